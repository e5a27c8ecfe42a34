"""Reading a server's answer: its JSON, and the sentence it gives for a failure."""

from __future__ import annotations

from typing import Any

import httpx

#: Where the shapes we meet (JSend, OAuth2, Auth0, FastAPI) put a failure's sentence, after
#: JSend's `data.description`.
_SENTENCE_KEYS = ("error_description", "message", "error", "detail")


def json_or_none(response: httpx.Response) -> Any:
    """The JSON of an answer, or None if it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def failure_description(body: Any, response: httpx.Response) -> str:
    """The server's sentence about a failure: `data.description`, else the first of the usual
    keys, else the answer's text."""
    if isinstance(body, dict):
        data = body.get("data")
        if isinstance(data, dict) and isinstance(data.get("description"), str):
            return str(data["description"])
        for key in _SENTENCE_KEYS:
            if isinstance(body.get(key), str):
                return str(body[key])
    return response.text[:500] or response.reason_phrase
