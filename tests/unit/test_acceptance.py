from datetime import date
from decimal import Decimal

from pmsys.assets.acceptance import acceptance_problems

BASE = dict(
    minimum=Decimal("0.90"),
    accepted_on=date(2021, 11, 20),
    completed_on=date(2021, 10, 31),
    need_signoff=(),
    signed_off=(),
)


def codes(**kwargs):
    return [code for code, _ in acceptance_problems(**{**BASE, **kwargs})]


def test_exactly_the_minimum_passes_and_just_below_fails():
    assert codes(satisfaction_rate=Decimal("0.9000")) == []
    assert codes(satisfaction_rate=Decimal("0.8999")) == ["satisfaction_too_low"]


def test_rate_outside_zero_to_one_is_refused():
    assert codes(satisfaction_rate=Decimal("1.01")) == ["bad_satisfaction"]
    assert codes(satisfaction_rate=Decimal("-0.1")) == ["bad_satisfaction"]


def test_committee_signoff_needed_where_a_committee_is_active():
    assert codes(
        satisfaction_rate=Decimal("0.95"), need_signoff={"GXL", "XYL"}, signed_off={"GXL"}
    ) == ["committee_signoff_missing"]
    assert codes(satisfaction_rate=Decimal("0.95"), need_signoff={"GXL"}, signed_off={"GXL"}) == []


def test_acceptance_cannot_precede_completion():
    assert codes(satisfaction_rate=Decimal("0.95"), accepted_on=date(2021, 10, 30)) == [
        "accepted_before_completion"
    ]
    assert codes(satisfaction_rate=Decimal("0.95"), accepted_on=date(2021, 10, 31)) == []


def test_every_problem_is_reported_at_once():
    assert codes(
        satisfaction_rate=Decimal("0.5"), accepted_on=date(2021, 1, 1), need_signoff={"A"}
    ) == ["satisfaction_too_low", "accepted_before_completion", "committee_signoff_missing"]
