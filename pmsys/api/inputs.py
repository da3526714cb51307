"""Reading the API's query strings and bodies: typed, every problem a 400 envelope.

The services check meaning (a known category, a visible community); these
helpers only make sure each value has the type the service expects, so that
no malformed value can reach it and fail as a 500.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from flask import g, request
from flask_babel import refresh

from pmsys.config import Config
from pmsys.errors import InvalidInput

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
CODE_LENGTH = 64
TEXT_LENGTH = 4000


def use_callers_language(user) -> None:
    """Answer in the caller's chosen language (routing steps, notification texts)."""
    if user is not None and user.locale in Config.LANGUAGES:
        g.locale_override = user.locale
        refresh()


def parse_day(value) -> date:
    """A `YYYY-MM-DD` string as a date; ValueError for anything else."""
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise ValueError(f"not a date: {value!r}")
    return date.fromisoformat(value)


def _bad(name: str, problem: str, code: str = "invalid_filter") -> InvalidInput:
    return InvalidInput(f"bad {name}", code=code, fields={name: problem})


def choice_arg(name: str, choices: Iterable[str]) -> str | None:
    """A query parameter that must be one of `choices`, or None when absent or empty."""
    value = request.args.get(name) or None
    choices = list(choices)
    if value is not None and value not in choices:
        raise _bad(name, "must be one of " + ", ".join(choices))
    return value


def day_arg(name: str) -> date | None:
    """A `YYYY-MM-DD` query parameter, or None when absent or empty."""
    value = request.args.get(name) or None
    if value is None:
        return None
    try:
        return parse_day(value)
    except ValueError:
        raise _bad(name, "a date YYYY-MM-DD", "invalid_date") from None


class Body:
    """Typed reads of a JSON object; every problem is gathered, then raised as one 400."""

    def __init__(self, data: dict):
        self.data = data
        self.problems: dict[str, str] = {}

    def _value(self, name: str, required: bool):
        value = self.data.get(name)
        if value is None and required:
            self.problems[name] = "required"
        return value

    def text(self, name: str, *, required: bool = False, max_length: int = CODE_LENGTH):
        """A string of at most `max_length` characters, or None when absent."""
        value = self._value(name, required)
        if value is not None and (not isinstance(value, str) or len(value) > max_length):
            self.problems[name] = f"a string of at most {max_length} characters"
            return None
        return value

    def integer(self, name: str, *, required: bool = False) -> int | None:
        """A whole number (not a boolean), or None when absent."""
        value = self._value(name, required)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            self.problems[name] = "a whole number"
            return None
        return value

    def boolean(self, name: str) -> bool:
        """true or false; absent is false."""
        value = self._value(name, False)
        if value is not None and not isinstance(value, bool):
            self.problems[name] = "true or false"
            return False
        return bool(value)

    def caller(self, name: str) -> dict | None:
        """A hotline caller `{"name", "phone"?}`, or None when absent."""
        value = self._value(name, False)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problems[name] = "an object with name and phone"
            return None
        caller = Body(value)
        result = {"name": caller.text("name", required=True, max_length=200),
                  "phone": caller.text("phone", max_length=20)}
        self.problems.update({f"{name}.{key}": problem
                              for key, problem in caller.problems.items()})
        return result

    def check(self) -> None:
        """Raise one 400 naming every malformed field."""
        if self.problems:
            raise InvalidInput("missing or malformed fields", code="invalid_input",
                               fields=dict(self.problems))
