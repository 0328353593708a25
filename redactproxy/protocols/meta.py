"""Read the model and token usage out of request bodies, responses and stream events.

Every API names these differently (``usage.prompt_tokens``, ``usage.input_tokens``,
``usageMetadata.promptTokenCount``; ``model``, ``response.model``, ``message.model``,
``modelVersion``); this is the one place that knows all the spellings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Meta"]

_IN = ("prompt_tokens", "input_tokens", "promptTokenCount")
_OUT = ("completion_tokens", "output_tokens", "candidatesTokenCount")


@dataclass(slots=True)
class Meta:
    """Model and usage gathered from one answer (whole or streamed)."""

    model: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    #: Id of a server-side response (OpenAI Responses), which a later request may continue.
    response_id: str | None = None

    def update(self, obj: Any) -> None:
        """Take what ``obj`` (a response body or one stream event) says."""
        if not isinstance(obj, dict):
            return
        for holder in (obj, obj.get("response"), obj.get("message")):
            if not isinstance(holder, dict):
                continue
            if holder.get("object") == "response" and isinstance(holder.get("id"), str):
                self.response_id = holder["id"]
            model = holder.get("model") or holder.get("modelVersion")
            if isinstance(model, str) and model:
                self.model = model
            usage = holder.get("usage") or holder.get("usageMetadata")
            if isinstance(usage, dict):
                for key in _IN:
                    if isinstance(usage.get(key), int):
                        self.tokens_in = usage[key]
                for key in _OUT:
                    if isinstance(usage.get(key), int):
                        self.tokens_out = usage[key]
        # Anthropic reports input tokens at message_start and output tokens at message_delta;
        # both arrive through the loop above.
