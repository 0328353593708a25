"""Where text lives in each AI API's JSON and SSE, and how each provider shapes its errors.

``apis`` identifies the API of a request; ``targets`` says which strings of a request body
a model will see; ``stream`` restores placeholders in each API's SSE events; ``errors``
builds refusals in each provider's own error format; ``meta`` reads models and usage.
"""

from redactproxy.protocols.apis import Api, identify

__all__ = ["Api", "identify"]
