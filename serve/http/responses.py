"""JSON responses that never fail on odd content: numpy scalars from the engine, lone surrogates
from a client's JSON escapes."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse


def _json_default(value: Any) -> Any:
    # numpy scalars (e.g. int64 PII offsets) -> the Python number they hold
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(content: Any, ascii_only: bool = False) -> str:
    return json.dumps(content, ensure_ascii=ascii_only, allow_nan=False, separators=(",", ":"),
                      default=_json_default)


class SafeJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        try:
            return dumps(content).encode("utf-8")
        except UnicodeEncodeError:
            # A lone surrogate cannot be UTF-8; ASCII escapes keep the JSON valid and the value intact.
            return dumps(content, ascii_only=True).encode("ascii")
