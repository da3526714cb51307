"""The JSON provider of answers: orjson writes them, with Flask's own conventions.

A page of fifty tickets is some 100 kB of JSON; the standard library's encoder
spends a noticeable share of the request on it, orjson a tenth of that. What
orjson would write otherwise than Flask's provider goes through Flask's own
fallback instead: dates and times (Flask writes them as HTTP dates), dataclasses,
decimals and UUIDs. Keys keep the order they are written in, integer keys become
strings, text stays UTF-8 (no \\uXXXX escapes), as `app.json` was set before.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

_OPTIONS = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_PASSTHROUGH_DATACLASS)


class OrjsonProvider(DefaultJSONProvider):
    """`DefaultJSONProvider` whose compact answers orjson writes."""

    sort_keys = False
    ensure_ascii = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialize `obj` as a JSON string; indentation or other options take the standard way."""
        if kwargs or self.sort_keys:
            kwargs.setdefault("default", self.default)
            kwargs.setdefault("ensure_ascii", self.ensure_ascii)
            kwargs.setdefault("sort_keys", self.sort_keys)
            return json.dumps(obj, **kwargs)
        return self._encode(obj).decode()

    def _encode(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(obj, default=self.default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            # What orjson refuses and the standard encoder writes (an integer beyond 64
            # bits, a float that is not a number) is written as Flask always has.
            return json.dumps(obj, default=self.default, ensure_ascii=self.ensure_ascii,
                              separators=(",", ":")).encode()

    def response(self, *args: Any, **kwargs: Any):
        """A JSON answer; compact unless the app is in debug mode or asked otherwise."""
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self._encode(obj) + b"\n", mimetype=self.mimetype)
