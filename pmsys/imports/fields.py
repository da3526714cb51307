"""Checking the values of a bundle: each problem is kept as "path: message".

Checkers take a JSON value and its path, record what is wrong, and return the
value converted (a date, a Decimal, a list) or INVALID. Objects are read
against an allow-list of fields, so nothing unexpected reaches a model.

A checker of a single value is made from a judge, `judge(value)`, which returns
the value converted or a Refusal; read_object calls the judge itself and spells
out a field's path only when there is a problem to report, since a city's
bundle holds a million fields.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Final

INVALID = object()  # a checker's answer when the value was refused

Checker = Callable[[object, str, "Problems"], object]


@dataclass(frozen=True, slots=True)
class Refusal:
    """A judge's answer when a value is refused: what is wrong with it."""

    message: str


Judge = Callable[[object], object]  # the value converted, or a Refusal


def checker(judge: Judge) -> Checker:
    """A checker from a judge; read_object calls `judge` directly (its `judge` attribute)."""

    @functools.wraps(judge)
    def check(value, path, problems):
        result = judge(value)
        if type(result) is Refusal:
            problems.add(path, result.message)
            return INVALID
        return result

    check.judge = judge
    return check

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


NONE_REFUSED: Final = frozenset()


@dataclass(slots=True)
class Item:
    """One object of the bundle: where it is, its accepted values, the fields refused.

    Lean, as a city's bundle holds hundreds of thousands: the path is spelled out
    only when asked for (`within` is the path of its list, shared with its
    siblings), and `refused` is one shared empty set until `refuse` records a field.
    """

    within: str  # the path of the list holding the object, or its own path
    position: int | None = None  # its position in that list
    values: dict[str, object] = field(default_factory=dict)
    refused: set[str] | frozenset[str] = NONE_REFUSED

    @property
    def path(self) -> str:
        if self.position is None:
            return self.within
        return f"{self.within}[{self.position}]"

    def get(self, name: str, default: object = None) -> object:
        return self.values.get(name, default)

    def at(self, name: str) -> str:
        """Return the path of one of this object's fields."""
        return f"{self.path}.{name}"

    def refuse(self, name: str) -> None:
        """Record that field `name` was refused."""
        if self.refused is NONE_REFUSED:
            self.refused = set()
        self.refused.add(name)


@dataclass(frozen=True)
class Field:
    """How one field of an object is checked."""

    check: Checker
    required: bool = False
    nullable: bool = True  # an optional field may be null to clear it
    # The checker's judge, when it judges a single value (see `checker`).
    judge: Judge | None = field(init=False, default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "judge", getattr(self.check, "judge", None))


def read_object(
    value: object, path: str, spec: dict[str, Field], problems: Problems,
    position: int | None = None,
) -> Item | None:
    """Check an object against its allow-list of fields; None when it is not an object.

    `path` is the object's path, or that of its list when `position` is given.
    """
    item = Item(path, position)
    if not isinstance(value, dict):
        problems.add(item.path, "must be an object")
        return None
    if not value.keys() <= spec.keys():
        for name in value:
            if name not in spec:
                problems.add(item.at(name), "unknown field")
    values = item.values
    for name, rule in spec.items():
        raw = value.get(name, _ABSENT)
        if raw is _ABSENT:
            if rule.required:
                problems.add(item.at(name), "required")
                item.refuse(name)
            continue
        if raw is None:
            if rule.required or not rule.nullable:
                problems.add(item.at(name), "required" if rule.required else "must not be null")
                item.refuse(name)
            else:
                values[name] = None
            continue
        judge = rule.judge
        if judge is not None:
            checked = judge(raw)
            if type(checked) is Refusal:
                problems.add(item.at(name), checked.message)
                item.refuse(name)
            else:
                values[name] = checked
            continue
        checked = rule.check(raw, item.at(name), problems)
        if checked is INVALID:
            item.refuse(name)
        else:
            values[name] = checked
    return item


_ABSENT = object()


def read_list(value: object, path: str, spec: dict[str, Field], problems: Problems) -> list[Item]:
    """Check a list of objects; the objects that are not objects are left out."""
    if not isinstance(value, list):
        problems.add(path, "must be a list")
        return []
    items = []
    for position, element in enumerate(value):
        item = read_object(element, path, spec, problems, position)
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
    first: dict[object, Item] = {}
    repeated = False
    for item in items:
        value = item.values.get(name)
        if value is not None:
            if value in first:
                repeated = True
            else:
                first[value] = item
    if not repeated:
        return first
    seen: dict[object, list[Item]] = {}
    for item in items:
        value = item.values.get(name)
        if value is not None:
            seen.setdefault(value, []).append(item)
    for group in seen.values():
        if len(group) > 1:
            for item in group:
                problems.add(item.at(name), "duplicate")
                item.refuse(name)
    return {value: group[0] for value, group in seen.items()}


def _unstorable(value: str) -> bool:
    """Whether a string holds what no column can store: NUL, or half a surrogate pair."""
    if "\x00" in value:
        return True
    if value.isascii():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _free_text_judge(max_length: int) -> Judge:
    def judge(value):
        if not isinstance(value, str):
            return Refusal("must be a string")
        if _unstorable(value):
            return Refusal("contains a NUL character or an unpaired surrogate")
        if len(value) > max_length:
            return Refusal(f"too long (at most {max_length} characters)")
        return value

    return judge


def _text_judge(max_length: int) -> Judge:
    base = _free_text_judge(max_length)

    def judge(value):
        value = base(value)
        if type(value) is not Refusal and not value.strip():
            return Refusal("must not be empty")
        return value

    return judge


def text(max_length: int) -> Checker:
    """Accept a non-blank string of at most `max_length` characters."""
    return checker(_text_judge(max_length))


def free_text(max_length: int) -> Checker:
    """Accept a string of at most `max_length` characters, possibly empty."""
    return checker(_free_text_judge(max_length))


def code(max_length: int = 64) -> Checker:
    """Accept a stable code: non-blank, no surrounding spaces, no "/" (place codes use it)."""
    base = _text_judge(max_length)

    def judge(value):
        # Nearly every code is short plain ASCII that passes every rule below.
        if (type(value) is str and value.isascii() and 0 < len(value) <= max_length
                and "\x00" not in value and "/" not in value and value == value.strip()):
            return value
        value = base(value)
        if type(value) is Refusal:
            return value
        if value != value.strip():
            return Refusal("must not start or end with spaces")
        if "/" in value:
            return Refusal("must not contain '/'")
        return value

    return checker(judge)


def integer(minimum: int | None = None, maximum: int | None = None) -> Checker:
    """Accept a whole number (not a boolean, not a string) within the bounds."""

    def judge(value):
        if isinstance(value, bool) or not isinstance(value, int):
            return Refusal("must be a whole number")
        if minimum is not None and maximum is not None:
            if not minimum <= value <= maximum:
                return Refusal(f"must be between {minimum} and {maximum}")
        elif minimum is not None and value < minimum:
            return Refusal(f"must be at least {minimum}")
        return value

    return checker(judge)


@checker
def boolean(value):
    """Accept true or false, nothing else."""
    if not isinstance(value, bool):
        return Refusal("must be true or false")
    return value


def one_of(choices: Iterable[str]) -> Checker:
    """Accept one of a fixed set of strings."""
    allowed = tuple(choices)

    def judge(value):
        if not isinstance(value, str) or value not in allowed:
            return Refusal(f"must be one of {', '.join(allowed)}")
        return value

    return checker(judge)


@checker
def day(value):
    """Accept a calendar date written YYYY-MM-DD."""
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return Refusal("must be a date as YYYY-MM-DD")


@checker
def month_day(value):
    """Accept a day of the year written MM-DD (02-29 included)."""
    match = _MONTH_DAY.fullmatch(value) if isinstance(value, str) else None
    if match:
        try:
            date(2000, int(match[1]), int(match[2]))  # a leap year, so 02-29 passes
            return value
        except ValueError:
            pass
    return Refusal("must be a day of the year as MM-DD")


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
    step = Decimal(1).scaleb(-places)

    def judge(value):
        number = to_decimal(value)
        if number is None:
            return Refusal(f'must be a decimal number such as "{example}"')
        if above is not None and number <= above:
            return Refusal(f"must be greater than {above}")
        if minimum is not None and maximum is not None and not minimum <= number <= maximum:
            return Refusal(f"must be between {minimum} and {maximum}")
        if maximum is not None and number > maximum:
            return Refusal(f"must be at most {maximum}")
        try:
            exact = number == number.quantize(step)
        except InvalidOperation:  # more digits than a Decimal context holds
            exact = False
        if not exact:
            return Refusal(f"at most {places} decimal places")
        return number

    return checker(judge)


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
