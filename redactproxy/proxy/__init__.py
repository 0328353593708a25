"""mitmproxy addons, one per concern, beside the main ``redactproxy.addon``."""
