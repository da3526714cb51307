"""The checkers of single values in a bundle: text, codes, numbers, choices, dates, decimals
and lists of codes, each made from a judge (pmsys/imports/fields.py reads objects with them).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from pmsys.imports.fields import INVALID, Checker, Judge, Refusal, checker

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})")


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
