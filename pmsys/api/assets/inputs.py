"""Reading the asset API's requests: bodies, filters, dates; every problem a 400."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from flask import request

from pmsys.api.helpers import paging
from pmsys.errors import InvalidInput
from pmsys.models.assets import HandoverStatus

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_FLAGS = {"1": True, "true": True, "0": False, "false": False, "": False}
CODE_LENGTH = 64
NAME_LENGTH = 200
NOTE_LENGTH = 4000
STATUSES = [status.value for status in HandoverStatus]


def parse_day(value) -> date:
    """A `YYYY-MM-DD` string as a date; ValueError for anything else."""
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise ValueError(f"not a date: {value!r}")
    return date.fromisoformat(value)


class Body:
    """Typed reads of a JSON object; every problem is gathered, then raised as one 400."""

    def __init__(self, data: dict, prefix: str = ""):
        self.data = data
        self.prefix = prefix
        self.problems: dict[str, str] = {}

    def _value(self, name: str, required: bool):
        value = self.data.get(name)
        if value is None and required:
            self.problems[self.prefix + name] = "required"
        return value

    def text(self, name: str, *, required: bool = False, max_length: int = CODE_LENGTH):
        """A string of at most `max_length` characters, or None when absent."""
        value = self._value(name, required)
        if value is not None and (not isinstance(value, str) or len(value) > max_length):
            self.problems[self.prefix + name] = f"a string of at most {max_length} characters"
            return None
        return value

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self._value(name, required)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            self.problems[self.prefix + name] = "a whole number"
            return None
        return value

    def day(self, name: str, *, required: bool = False) -> date | None:
        value = self._value(name, required)
        if value is None:
            return None
        try:
            return parse_day(value)
        except ValueError:
            self.problems[self.prefix + name] = "a date YYYY-MM-DD"
            return None

    def decimal(self, name: str, *, required: bool = False):
        """A decimal string ("0.95"); a JSON number is taken too. Parsed by the service."""
        value = self._value(name, required)
        if value is not None and (isinstance(value, bool)
                                  or not isinstance(value, str | int | float)
                                  or isinstance(value, str) and len(value) > 40):
            self.problems[self.prefix + name] = "a decimal string such as \"0.95\""
            return None
        return value

    def texts(self, name: str, *, required: bool = False, max_length: int = CODE_LENGTH):
        """A list of strings, or None when absent."""
        value = self._value(name, required)
        if value is not None and (
            not isinstance(value, list)
            or not all(isinstance(v, str) and len(v) <= max_length for v in value)
        ):
            self.problems[self.prefix + name] = (
                f"a list of strings of at most {max_length} characters"
            )
            return None
        return value

    def objects(self, name: str, *, required: bool = False) -> list[Body] | None:
        """A list of JSON objects, each read in turn with its path as prefix."""
        value = self._value(name, required)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problems[self.prefix + name] = "a list of objects"
            return None
        return [Body(item, f"{self.prefix}{name}[{index}].") for index, item in enumerate(value)]

    def check(self, *parts: Body) -> None:
        """Raise one 400 naming every malformed field of this body and of `parts`."""
        problems = dict(self.problems)
        for part in parts:
            problems.update(part.problems)
        if problems:
            raise InvalidInput("missing or malformed fields", code="invalid_input",
                               fields=problems)


def choice_arg(name: str, choices: Iterable[str]) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in choices:
        raise InvalidInput(f"unknown {name}", code="invalid_filter",
                           fields={name: "must be one of " + ", ".join(choices)})
    return value


def flag_arg(name: str) -> bool:
    value = request.args.get(name, "")
    if value not in _FLAGS:
        raise InvalidInput(f"bad {name}", code="invalid_filter",
                           fields={name: "must be 1, 0, true or false"})
    return _FLAGS[value]


def day_arg(name: str) -> date | None:
    value = request.args.get(name) or None
    if value is None:
        return None
    try:
        return parse_day(value)
    except ValueError:
        raise InvalidInput(f"bad {name}", code="invalid_date",
                           fields={name: "a date YYYY-MM-DD"}) from None


def page_of_list(rows: list) -> tuple[list, int]:
    page, per_page = paging()
    return rows[(page - 1) * per_page: page * per_page], len(rows)
