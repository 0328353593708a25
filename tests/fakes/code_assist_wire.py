"""Gemini Code Assist (cloudcode-pa.googleapis.com), what Gemini CLI signed in with Google uses,
plus the Google sign-in endpoints it checks its token with.

``POST /v1internal:{method}``: ``generateContent`` and ``streamGenerateContent?alt=sse`` take
``{"model", "project", "user_prompt_id", "request": <Gemini request>}`` and answer each
Gemini response under ``"response"`` with a ``traceId``; ``loadCodeAssist`` says the user is
on the free tier with a project (so no onboarding), ``countTokens`` counts; other methods
(experiments, quota, metrics) answer ``{}``. ``oauth2.googleapis.com/tokeninfo`` and
``www.googleapis.com/oauth2/v2/userinfo`` describe a synthetic user.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from . import gemini_wire
from .wire import Call, Reply, dumps_google, sse

__all__ = ["ROUTE", "USER", "code_assist", "google_auth"]

#: ``/v1internal:{method}``.
ROUTE = re.compile(r"^/v1internal:(?P<method>\w+)$")
USER = "dev@example.org"
PROJECT = "fake-project-123"
_JSON = [("content-type", "application/json; charset=UTF-8")]


def _pretty(obj: Any) -> bytes:
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode()


def code_assist(call: Call) -> Reply:
    """One ``/v1internal:`` method."""
    m = ROUTE.match(call.path)
    method = m["method"] if m else ""
    data = call.data or {}
    if method == "loadCodeAssist":
        tier = {"id": "free-tier", "name": "Gemini Code Assist for individuals",
                "hasOnboardedPreviously": True}
        return Reply(200, _JSON, body=_pretty({
            "currentTier": tier, "allowedTiers": [{**tier, "isDefault": True}],
            "cloudaicompanionProject": PROJECT, "gcpManaged": False}))
    if method == "countTokens":
        prompt, _ = call.knobs.usage(call.body_len, "")
        return Reply(200, _JSON, body=_pretty({"totalTokens": prompt}))
    if method not in ("generateContent", "streamGenerateContent"):
        return Reply(200, _JSON, body=_pretty({}))
    inner = data.get("request") if isinstance(data.get("request"), dict) else {}
    model = str(data.get("model") or "gemini-x")
    reply = gemini_wire.generate(replace(call, data=inner), model, method)
    trace = "fake-trace-0001"
    if reply.frames is None:
        return replace(reply, body=_pretty({"response": json.loads(reply.body),
                                            "traceId": trace}))

    def wrap(frame: bytes) -> bytes:
        text = frame.decode("utf-8").strip()
        body = text[len("data: "):] if text.startswith("data: ") else text
        return sse(dumps_google({"response": json.loads(body), "traceId": trace}), eol="\r\n")

    error = reply.error_frame
    return replace(reply, frames=[wrap(f) for f in reply.frames],
                   error_frame=wrap(error) if error else None)


def google_auth(call: Call) -> Reply:
    """Google's token info and user info for the synthetic signed-in user."""
    if call.path == "/tokeninfo":
        return Reply(200, _JSON, body=_pretty({
            "azp": "fake-client.apps.googleusercontent.com",
            "aud": "fake-client.apps.googleusercontent.com", "sub": "100000000000000000001",
            "scope": "https://www.googleapis.com/auth/cloud-platform "
                     "https://www.googleapis.com/auth/userinfo.email openid",
            "exp": "4102444800", "expires_in": "3599", "email": USER,
            "email_verified": "true", "access_type": "offline"}))
    if call.path == "/oauth2/v2/userinfo":
        return Reply(200, _JSON, body=_pretty({"id": "100000000000000000001", "email": USER,
                                               "verified_email": True}))
    return gemini_wire.not_found(call.method, call.path)
