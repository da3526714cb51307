"""The bundle checks without a database: values, paths, order, and no crash on any input."""

import copy
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pmsys.assets.maintainers import Stint
from pmsys.imports.fields import INVALID, Problems
from pmsys.imports.references import Known, RecordedHandover, check_references
from pmsys.imports.register_checks import check_register
from pmsys.imports.validation import ORDER, parse_bundle
from pmsys.imports.values import day, decimal, month_day, to_decimal
from pmsys.imports.wanted import wanted_codes
from tests.services.import_bundles import small_bundle


def check(bundle) -> list[str]:
    parsed, problems = parse_bundle(bundle)
    if parsed is not None:
        check_references(parsed, Known(), problems)
        check_register(parsed, Known(), problems)
    return problems.lines(ORDER)


def test_the_small_bundle_is_valid_against_an_empty_database():
    assert check(small_bundle()) == []


def test_wanted_codes_name_everything_the_bundle_refers_to():
    parsed, _problems = parse_bundle(small_bundle())
    wanted = wanted_codes(parsed)
    assert wanted.regions == {"BT", "TYQ", "SLQ"}
    assert wanted.people == {"P1", "P2", "P3"}
    assert wanted.organizations == {
        "TYQ-HB", "SLQ-SO", "WATER", "PM1", "GXL-OC", "DH-CO", "BUILDER"
    }
    assert wanted.communities == {"GXL"}
    assert wanted.term_communities == {"GXL"} == wanted.committee_communities
    assert wanted.usernames == {"zhang", "water1", "bureau"}


def test_wanted_codes_name_the_register_and_its_places():
    parsed, _problems = parse_bundle(small_bundle())
    wanted = wanted_codes(parsed)
    assert wanted.projects == {"2021-01"}
    assert wanted.assets == {"GXL-WS", "GXL-DR", "GXL-HT", "GXL-1-ROOF", "GXL-1-2-DOOR"}
    assert wanted.handovers == {"H-1"}
    assert wanted.place_communities == {"GXL"}


def _history_problems(effective_on: str, known: Known) -> list[str]:
    bundle = {"version": 1, "handovers": [
        {"code": "H-2", "from": "HB", "to": "W2", "assets": ["A"], "effective_on": effective_on},
    ]}
    parsed, problems = parse_bundle(bundle)
    check_register(parsed, known, problems)
    return problems.lines(ORDER)


def test_a_handover_must_follow_the_recorded_history():
    known = Known(
        org_kinds={"HB": "housing_bureau", "W1": "utility", "W2": "utility"},
        asset_communities={"A": "GXL"},
        asset_stints={"A": [Stint(1, date(2022, 3, 1), date(2023, 12, 31)),
                            Stint(2, date(2024, 1, 1), None)]},
    )
    assert _history_problems("2024-01-02", known) == []
    assert _history_problems("2024-01-01", known) == [
        "handovers[0].effective_on: A: effective date 2024-01-01 is not after the current "
        "maintainer's start 2024-01-01"
    ]
    # A first hand-over has no history to follow.
    assert _history_problems("2001-01-01", Known(
        org_kinds={"HB": "housing_bureau", "W2": "utility"}, asset_communities={"A": "GXL"},
    )) == []


def test_a_recorded_handover_is_compared_not_replayed():
    known = Known(
        org_kinds={"HB": "housing_bureau", "W2": "utility"},
        asset_communities={"A": "GXL"},
        asset_stints={"A": [Stint(2, date(2024, 1, 1), None)]},
        handovers={"H-2": RecordedHandover("effective", "HB", "W2", frozenset({"A"}),
                                           date(2024, 1, 1))},
    )
    assert _history_problems("2024-01-01", known) == []
    assert _history_problems("2024-02-01", known) == [
        "handovers[0].effective_on: H-2 took effect with effective_on 2024-01-01; an effective "
        "hand-over cannot change"
    ]


def test_known_rows_satisfy_references():
    bundle = {"version": 1, "management_terms": [
        {"community": "GXL", "mode": "professional", "org": "PM1", "start": "2024-01-01"},
    ]}
    parsed, problems = parse_bundle(bundle)
    known = Known(org_kinds={"PM1": "property_company"}, communities={"GXL"},
                  terms={"GXL": [(date(2020, 1, 1), date(2023, 12, 31))]})
    check_references(parsed, known, problems)
    assert problems.lines() == []
    known.terms["GXL"] = [(date(2020, 1, 1), date(2024, 1, 1))]
    check_references(parsed, known, problems)
    assert problems.lines() == [
        "management_terms[0]: overlaps the existing term of GXL (2020-01-01 to 2024-01-01)"
    ]


def test_reimporting_a_known_term_is_not_an_overlap():
    bundle = {"version": 1, "management_terms": [
        {"community": "GXL", "mode": "professional", "org": "PM1", "start": "2020-01-01",
         "end": "2030-12-31"},
    ]}
    parsed, problems = parse_bundle(bundle)
    known = Known(org_kinds={"PM1": "property_company"}, communities={"GXL"},
                  terms={"GXL": [(date(2020, 1, 1), None)]})
    check_references(parsed, known, problems)
    assert problems.lines() == []


def test_problems_come_in_bundle_order():
    problems = Problems()
    problems.add("foo", "unknown key")
    problems.add("users[0].role", "x")
    problems.add("communities[10].code", "x")
    problems.add("communities[2].buildings[11].code", "x")
    problems.add("communities[2].buildings[3].units[0].code", "x")
    problems.add("regions", "x")
    assert problems.lines(ORDER) == [
        "regions: x",
        "communities[2].buildings[3].units[0].code: x",
        "communities[2].buildings[11].code: x",
        "communities[10].code: x",
        "users[0].role: x",
        "foo: unknown key",
    ]


def test_decimals_are_read_exactly():
    assert to_decimal("62.50") == Decimal("62.50")
    assert to_decimal(48.3) == Decimal("48.3")
    assert to_decimal(70) == Decimal(70)
    for bad in (True, None, "", "abc", "NaN", "Infinity", float("nan"), float("inf"), [1]):
        assert to_decimal(bad) is None


def test_decimal_bounds_and_places():
    area = decimal(2, above=Decimal(0), maximum=Decimal("99999999.99"))
    problems = Problems()
    assert area("0.01", "a", problems) == Decimal("0.01")
    assert area("62.500", "a", problems) == Decimal("62.5")
    assert area("99999999.99", "a", problems) == Decimal("99999999.99")
    assert not problems
    for bad in ("0", "0.001", "100000000", "1e40", "1e-40", "-0.01"):
        assert area(bad, "a", problems) is INVALID
    assert len(problems) == 6


def test_dates_must_be_written_in_full():
    problems = Problems()
    assert day("2024-02-29", "d", problems) == date(2024, 2, 29)
    for bad in ("2023-02-29", "2022-13-01", "20220101", "2022-1-1", "2022-01-01T00:00", 20220101):
        assert day(bad, "d", problems) is INVALID
    assert month_day("02-29", "m", problems) == "02-29"
    for bad in ("02-30", "13-01", "2-1", "10/15", 1015):
        assert month_day(bad, "m", problems) is INVALID
    assert len(problems) == 11


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for position, child in enumerate(value):
            yield from _paths(child, (*prefix, position))


PATHS = [path for path in _paths(small_bundle()) if path]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats()
    | st.text(st.characters(codec=None), max_size=12),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PATHS), JSON), min_size=1, max_size=4))
def test_any_value_anywhere_gives_problems_not_exceptions(changes):
    bundle = copy.deepcopy(small_bundle())
    for path, value in changes:
        node = bundle
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this place
    lines = check(bundle)
    assert all(isinstance(line, str) and ": " in line for line in lines)
