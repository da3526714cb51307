"""Management-term rules (docs/domain.md#management): overlaps with inclusive ends, and who may
manage how."""

from datetime import date

import pytest

from pmsys.governance.terms import MODE_ORG_KINDS, describe_span, org_kind_fits, overlaps

D = date.fromisoformat


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        # The end day is inclusive: the next term may start the day after.
        (("2021-01-01", "2021-12-31"), ("2022-01-01", None), False),
        (("2021-01-01", "2022-01-01"), ("2022-01-01", None), True),
        (("2021-01-01", "2022-01-02"), ("2022-01-01", "2022-06-30"), True),
        # One-day terms.
        (("2022-01-01", "2022-01-01"), ("2022-01-01", "2022-01-01"), True),
        (("2022-01-01", "2022-01-01"), ("2022-01-02", "2022-01-02"), False),
        # Open-ended terms run forever.
        (("2020-01-01", None), ("2030-05-01", "2030-05-31"), True),
        (("2020-01-01", None), ("2010-01-01", None), True),
        (("2020-01-01", None), ("2010-01-01", "2019-12-31"), False),
        (("2020-01-01", None), ("2010-01-01", "2020-01-01"), True),
        # One inside the other.
        (("2020-01-01", "2025-12-31"), ("2021-03-01", "2021-04-01"), True),
        # Far apart.
        (("2020-01-01", "2020-12-31"), ("2023-01-01", "2023-12-31"), False),
    ],
)
def test_overlaps_in_either_order(first, second, expected):
    a = (D(first[0]), D(first[1]) if first[1] else None)
    b = (D(second[0]), D(second[1]) if second[1] else None)
    assert overlaps(*a, *b) is expected
    assert overlaps(*b, *a) is expected


@pytest.mark.parametrize(
    ("mode", "kind", "fits"),
    [
        ("professional", "property_company", True),
        ("professional", "self_management", False),
        ("professional", "original_unit", False),
        ("self", "self_management", True),
        ("self", "owners_committee", True),
        ("self", "property_company", False),
        ("community", "community_office", True),
        ("community", "street_office", True),
        ("community", "housing_bureau", False),
        ("original_unit", "original_unit", True),
        ("original_unit", "property_company", False),
        ("utility", "utility", False),  # not a mode at all
    ],
)
def test_org_kind_fits_mode(mode, kind, fits):
    assert org_kind_fits(mode, kind) is fits


def test_every_mode_names_the_kinds_that_may_manage():
    from pmsys.models.auth import MANAGER_KINDS
    from pmsys.models.governance import ManagementMode

    assert set(MODE_ORG_KINDS) == {mode.value for mode in ManagementMode}
    assert set().union(*MODE_ORG_KINDS.values()) == {kind.value for kind in MANAGER_KINDS}


def test_describe_span():
    assert describe_span(D("2022-01-01"), D("2023-12-31")) == "2022-01-01 to 2023-12-31"
    assert describe_span(D("2022-01-01"), None) == "from 2022-01-01, open-ended"
