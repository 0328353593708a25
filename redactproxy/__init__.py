"""redactproxy: a local privacy-filtering forward proxy for AI APIs.

The package is a pure core (``detect``, ``vault``, ``restore``, ``sse``, ``protocols``)
under thin shells (``addon``, ``cli``, ``view``). The core never imports mitmproxy.
"""

__version__ = "0.1.0"
