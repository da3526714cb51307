"""Checking the values of a bundle: each problem is kept as "path: message".

Checkers take a JSON value and its path, record what is wrong, and return the
value converted (a date, a Decimal, a list) or INVALID. Objects are read
against an allow-list of fields, so nothing unexpected reaches a model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

INVALID = object()  # a checker's answer when the value was refused

Checker = Callable[[object, str, "Problems"], object]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})")
_PATH_TOKEN = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")


class Problems:
    """Every problem found in a bundle, each as "path: message"."""

    def __init__(self) -> None:
        self._lines: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self._lines.append((path, message))

    def __bool__(self) -> bool:
        return bool(self._lines)

    def __len__(self) -> int:
        return len(self._lines)

    def lines(self, section_order: Iterable[str] = ()) -> list[str]:
        """Return the problems in bundle order: by section, then by position, then field."""
        rank = {name: position for position, name in enumerate(section_order)}

        def key(entry: tuple[str, str]):
            tokens = []
            for index, name in _PATH_TOKEN.findall(entry[0]):
                if index:
                    tokens.append((0, int(index), ""))
                elif not tokens:
                    tokens.append((1, rank.get(name, len(rank)), name))
                else:
                    tokens.append((1, 0, name))
            return tokens

        # A refused key may hold half a surrogate pair; show it escaped, never crash on it.
        return [
            f"{path}: {message}".encode("utf-8", "backslashreplace").decode("utf-8")
            for path, message in sorted(self._lines, key=key)
        ]


@dataclass
class Item:
    """One object of the bundle: its path, its accepted values, the fields refused."""

    path: str
    values: dict[str, object] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)

    def get(self, name: str, default: object = None) -> object:
        return self.values.get(name, default)

    def at(self, name: str) -> str:
        """Return the path of one of this object's fields."""
        return f"{self.path}.{name}"


@dataclass(frozen=True)
class Field:
    """How one field of an object is checked."""

    check: Checker
    required: bool = False
    nullable: bool = True  # an optional field may be null to clear it


def read_object(
    value: object, path: str, spec: dict[str, Field], problems: Problems
) -> Item | None:
    """Check an object against its allow-list of fields; None when it is not an object."""
    if not isinstance(value, dict):
        problems.add(path, "must be an object")
        return None
    item = Item(path)
    for name in value:
        if name not in spec:
            problems.add(f"{path}.{name}", "unknown field")
    for name, rule in spec.items():
        if name not in value:
            if rule.required:
                problems.add(item.at(name), "required")
                item.refused.add(name)
            continue
        raw = value[name]
        if raw is None:
            if rule.required or not rule.nullable:
                problems.add(item.at(name), "required" if rule.required else "must not be null")
                item.refused.add(name)
            else:
                item.values[name] = None
            continue
        checked = rule.check(raw, item.at(name), problems)
        if checked is INVALID:
            item.refused.add(name)
        else:
            item.values[name] = checked
    return item


def read_list(value: object, path: str, spec: dict[str, Field], problems: Problems) -> list[Item]:
    """Check a list of objects; the objects that are not objects are left out."""
    if not isinstance(value, list):
        problems.add(path, "must be a list")
        return []
    items = []
    for position, element in enumerate(value):
        item = read_object(element, f"{path}[{position}]", spec, problems)
        if item is not None:
            items.append(item)
    return items


def objects(spec: dict[str, Field]) -> Checker:
    """Check a nested list of objects (a community's buildings, …) against `spec`."""

    def check(value, path, problems):
        return read_list(value, path, spec, problems)

    return check


def mark_duplicates(items: list[Item], name: str, problems: Problems) -> dict[str, Item]:
    """Flag every object whose `name` repeats another's; return the first of each value."""
    seen: dict[object, list[Item]] = {}
    for item in items:
        value = item.values.get(name)
        if value is not None:
            seen.setdefault(value, []).append(item)
    for group in seen.values():
        if len(group) > 1:
            for item in group:
                problems.add(item.at(name), "duplicate")
                item.refused.add(name)
    return {value: group[0] for value, group in seen.items()}


def _unstorable(value: str) -> bool:
    """Whether a string holds what no column can store: NUL, or half a surrogate pair."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def text(max_length: int) -> Checker:
    """Accept a non-blank string of at most `max_length` characters."""
    base = free_text(max_length)

    def check(value, path, problems):
        value = base(value, path, problems)
        if value is INVALID:
            return INVALID
        if not value.strip():
            problems.add(path, "must not be empty")
            return INVALID
        return value

    return check


def free_text(max_length: int) -> Checker:
    """Accept a string of at most `max_length` characters, possibly empty."""

    def check(value, path, problems):
        if not isinstance(value, str):
            problems.add(path, "must be a string")
            return INVALID
        if _unstorable(value):
            problems.add(path, "contains a NUL character or an unpaired surrogate")
            return INVALID
        if len(value) > max_length:
            problems.add(path, f"too long (at most {max_length} characters)")
            return INVALID
        return value

    return check


def code(max_length: int = 64) -> Checker:
    """Accept a stable code: non-blank, no surrounding spaces, no "/" (place codes use it)."""
    base = text(max_length)

    def check(value, path, problems):
        value = base(value, path, problems)
        if value is INVALID:
            return INVALID
        if value != value.strip():
            problems.add(path, "must not start or end with spaces")
            return INVALID
        if "/" in value:
            problems.add(path, "must not contain '/'")
            return INVALID
        return value

    return check


def integer(minimum: int | None = None, maximum: int | None = None) -> Checker:
    """Accept a whole number (not a boolean, not a string) within the bounds."""

    def check(value, path, problems):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.add(path, "must be a whole number")
            return INVALID
        if minimum is not None and maximum is not None:
            if not minimum <= value <= maximum:
                problems.add(path, f"must be between {minimum} and {maximum}")
                return INVALID
        elif minimum is not None and value < minimum:
            problems.add(path, f"must be at least {minimum}")
            return INVALID
        return value

    return check


def boolean(value, path, problems):
    """Accept true or false, nothing else."""
    if not isinstance(value, bool):
        problems.add(path, "must be true or false")
        return INVALID
    return value


def one_of(choices: Iterable[str]) -> Checker:
    """Accept one of a fixed set of strings."""
    allowed = tuple(choices)

    def check(value, path, problems):
        if not isinstance(value, str) or value not in allowed:
            problems.add(path, f"must be one of {', '.join(allowed)}")
            return INVALID
        return value

    return check


def day(value, path, problems):
    """Accept a calendar date written YYYY-MM-DD."""
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.add(path, "must be a date as YYYY-MM-DD")
    return INVALID


def month_day(value, path, problems):
    """Accept a day of the year written MM-DD (02-29 included)."""
    match = _MONTH_DAY.fullmatch(value) if isinstance(value, str) else None
    if match:
        try:
            date(2000, int(match[1]), int(match[2]))  # a leap year, so 02-29 passes
            return value
        except ValueError:
            pass
    problems.add(path, "must be a day of the year as MM-DD")
    return INVALID


def to_decimal(value: object) -> Decimal | None:
    """Read a decimal string or a JSON number exactly; None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = repr(value)  # the shortest text that reads back as this float
    if isinstance(value, int):
        return Decimal(value)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def decimal(
    places: int, *, above: Decimal | None = None, minimum: Decimal | None = None,
    maximum: Decimal | None = None, example: str = "62.50",
) -> Checker:
    """Accept a decimal string or number with at most `places` decimal places, within bounds."""

    def check(value, path, problems):
        number = to_decimal(value)
        if number is None:
            problems.add(path, f'must be a decimal number such as "{example}"')
            return INVALID
        if above is not None and number <= above:
            problems.add(path, f"must be greater than {above}")
            return INVALID
        if minimum is not None and maximum is not None and not minimum <= number <= maximum:
            problems.add(path, f"must be between {minimum} and {maximum}")
            return INVALID
        if maximum is not None and number > maximum:
            problems.add(path, f"must be at most {maximum}")
            return INVALID
        try:
            exact = number == number.quantize(Decimal(1).scaleb(-places))
        except InvalidOperation:  # more digits than a Decimal context holds
            exact = False
        if not exact:
            problems.add(path, f"at most {places} decimal places")
            return INVALID
        return number

    return check


def code_list(each: Checker | None = None) -> Checker:
    """Accept a list of codes, each checked by `each`; refuse repeated codes."""
    each = each or code()

    def check(value, path, problems):
        if not isinstance(value, list):
            problems.add(path, "must be a list")
            return INVALID
        result, ok = [], True
        for position, element in enumerate(value):
            checked = each(element, f"{path}[{position}]", problems)
            if checked is INVALID:
                ok = False
            elif checked in result:
                problems.add(f"{path}[{position}]", "duplicate")
                ok = False
            else:
                result.append(checked)
        return result if ok else INVALID

    return check
