"""JSON responses that are strict JSON and never fail on odd content: numpy scalars from the
engine, lone surrogates from a client's JSON escapes, a non-finite float anywhere (it becomes null;
NaN and Infinity are not JSON). orjson renders them (fast on a 1,000-result batch); what orjson
refuses (a lone surrogate) goes through the standard library with ASCII escapes instead."""

from __future__ import annotations

import json
import math
from typing import Any

import orjson
from starlette.responses import JSONResponse

_ORJSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def _json_default(value: Any) -> Any:
    # numpy scalars (e.g. int64 PII offsets) -> the Python number they hold
    item = getattr(value, "item", None)
    if callable(item):
        return _finite(item())
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _finite(value: Any) -> Any:
    """The value with every non-finite float replaced by None (for the standard-library path)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def dumps_bytes(content: Any) -> bytes:
    """Strict JSON, UTF-8 (ASCII escapes when the content holds a lone surrogate)."""
    try:
        return orjson.dumps(content, default=_json_default, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        # A lone surrogate cannot be UTF-8; ASCII escapes keep the JSON valid and the value intact.
        return json.dumps(_finite(content), ensure_ascii=True, allow_nan=False, separators=(",", ":"),
                          default=_json_default).encode("ascii")


def dumps(content: Any, ascii_only: bool = False) -> str:
    if ascii_only:
        return json.dumps(_finite(content), ensure_ascii=True, allow_nan=False, separators=(",", ":"),
                          default=_json_default)
    return dumps_bytes(content).decode("utf-8")


class SafeJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps_bytes(content)
