"""Checking the values of a bundle: each problem is kept as "path: message".

Checkers take a JSON value and its path, record what is wrong, and return the
value converted (a date, a Decimal, a list) or INVALID. Objects are read
against an allow-list of fields, so nothing unexpected reaches a model.

A checker of a single value (pmsys/imports/values.py) is made from a judge,
`judge(value)`, which returns the value converted or a Refusal; read_object
calls the judge itself and spells out a field's path only when there is a
problem to report, since a city's bundle holds a million fields.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
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
