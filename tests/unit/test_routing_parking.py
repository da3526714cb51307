"""route() for the categories of order after a renovation (docs/domain.md#routing):
parking, occupied common space, disorder, and a complaint about the manager (step 0).

Pure: the facts are built by hand, no app and no database.
"""

from __future__ import annotations

from datetime import date

import pytest

from pmsys import categories
from pmsys.assets.maintainers import Stint
from pmsys.tickets import routing
from pmsys.tickets.routing import AssetFacts, Facts, Org, RoutingError, route

ON = date(2026, 5, 12)
MANAGER = Org(1, "PM-A", "甲物业")
STREET = Org(2, "SO-S1", "萨拉齐镇政府")
PARKING = Org(3, "PK-A", "甲小区停车管理委员会")
CONTRACTOR = Org(4, "K-1", "停车场施工队")
URBAN = Org(5, "CG-BT", "城管执法局")
BUILDING, OTHER_BUILDING = 100, 101


def facts(category, *, manager=MANAGER, street=STREET, **kwargs) -> Facts:
    """The facts as gather_facts builds them from the category's own data."""
    spec = categories.get(category)
    return Facts(category=category, utility=spec.utility, by_duty=spec.by_duty is not None,
                 complaint=spec.complaint, warranty=spec.warranty, on=ON, manager=manager,
                 street_office=street, **kwargs)


def lot(id_, *, building=None, stints=(), contractor=None, until=None) -> AssetFacts:
    return AssetFacts(id=id_, code=f"P-{id_}", name=f"停车场{id_}", category="parking",
                      building_id=building, unit_id=None, warranty_contractor=contractor,
                      warranty_until=until, stints=tuple(stints))


def codes(result) -> list[str]:
    return [step.code for step in result.steps]


def test_the_new_categories():
    assert {"parking", "occupied_space", "disorder", "service_complaint"} <= categories.CODES
    assert categories.get("occupied_space").by_duty == "authority"
    assert categories.get("parking").by_duty is None
    assert categories.get("disorder").by_duty is None
    assert [c.code for c in categories.CATEGORIES if c.complaint] == ["service_complaint"]
    assert not any(categories.get(c).utility for c in ("parking", "occupied_space", "disorder"))


# --- parking -------------------------------------------------------------------------------


def test_parking_goes_to_the_committee_maintaining_the_spaces():
    spaces = lot(1, stints=[Stint(PARKING, date(2025, 1, 1), None)])
    result = route(facts("parking", assets=(spaces,)))
    assert result.assignee == PARKING
    assert result.reason == routing.MAINTAINER
    assert result.asset == spaces
    assert codes(result) == ["asset_found", "order_not_defect", "maintainer"]


def test_parking_ignores_the_contractors_warranty():
    # The lot was paved by a contractor still under warranty: cars parked badly are not its.
    spaces = lot(1, contractor=CONTRACTOR, until=date(2027, 1, 1),
                 stints=[Stint(PARKING, date(2025, 1, 1), None)])
    result = route(facts("parking", assets=(spaces,)))
    assert result.assignee == PARKING
    assert "warranty" not in codes(result)


def test_parking_named_space_wins_over_the_covering_one():
    yard = lot(1, stints=[Stint(MANAGER, date(2025, 1, 1), None)])
    garage = lot(2, building=BUILDING, stints=[Stint(PARKING, date(2025, 1, 1), None)])
    named = route(facts("parking", assets=(yard, garage), asset_id=2))
    assert (named.assignee, codes(named)[0]) == (PARKING, "asset_given")
    # Another building: the community-wide yard, maintained by the manager under a hand-over.
    covering = route(facts("parking", assets=(yard, garage), building_id=OTHER_BUILDING))
    assert (covering.assignee, covering.reason) == (MANAGER, routing.MAINTAINER)
    assert covering.asset == yard


def test_parking_before_the_hand_over_goes_to_the_manager():
    spaces = lot(1, stints=[Stint(PARKING, date(2026, 6, 1), None)])
    result = route(facts("parking", assets=(spaces,)))
    assert (result.assignee, result.reason) == (MANAGER, routing.MANAGER)
    assert codes(result) == ["asset_found", "order_not_defect", "not_handed_over", "manager"]
    assert routing.NOT_HANDED_OVER not in result.flags  # not a utility


def test_parking_without_spaces_goes_to_the_manager_or_the_street_office():
    assert route(facts("parking")).assignee == MANAGER
    assert codes(route(facts("parking"))) == ["no_asset", "manager"]
    gap = route(facts("parking", manager=None))
    assert (gap.assignee, gap.reason) == (STREET, routing.NO_MANAGER)
    assert routing.COVERAGE_GAP in gap.flags


# --- occupied common space and disorder ---------------------------------------------------


def test_occupied_space_goes_to_the_enforcement_authority_by_duty():
    result = route(facts("occupied_space", duty_authorities=(URBAN,)))
    assert (result.assignee, result.reason) == (URBAN, routing.DUTY)


def test_occupied_space_without_an_authority_goes_to_the_manager():
    result = route(facts("occupied_space"))
    assert (result.assignee, result.reason) == (MANAGER, routing.MANAGER)
    assert codes(result) == ["duty_none", "no_asset", "manager"]


def test_disorder_goes_to_the_manager_even_where_an_authority_serves():
    # Noise and order in the yard are the manager's daily service: never by duty.
    result = route(facts("disorder", duty_authorities=(URBAN,)))
    assert (result.assignee, result.reason) == (MANAGER, routing.MANAGER)
    assert codes(result) == ["no_asset", "manager"]
    assert route(facts("disorder", manager=None)).reason == routing.NO_MANAGER


# --- 0. a complaint about the manager -------------------------------------------------------


def test_service_complaint_goes_to_the_street_office_naming_the_manager():
    result = route(facts("service_complaint"))
    assert result.assignee == STREET
    assert result.reason == routing.SERVICE_COMPLAINT == "service_complaint"
    assert [s.as_dict() for s in result.steps] == [{"code": "complaint", "params": {
        "org": STREET.name, "manager": MANAGER.name, "manager_code": MANAGER.code}}]
    assert result.flags == frozenset()
    assert result.asset is None


@pytest.mark.parametrize("extra", [
    {"inside_home": True, "unit_id": 1},
    {"duty_authorities": (URBAN,)},
    {"assets": (AssetFacts(7, "X-7", "X", "service_complaint", None, None,
                           stints=(Stint(MANAGER, date(2020, 1, 1), None),)),)},
])
def test_service_complaint_never_reaches_the_manager(extra):
    result = route(facts("service_complaint", **extra))
    assert result.assignee == STREET != MANAGER
    assert codes(result) == ["complaint"]


def test_service_complaint_without_a_term_still_goes_to_the_street_office():
    result = route(facts("service_complaint", manager=None))
    assert (result.assignee, result.reason) == (STREET, routing.SERVICE_COMPLAINT)
    assert [s.as_dict() for s in result.steps] == [
        {"code": "complaint_no_manager", "params": {"org": STREET.name}}]
    assert routing.COVERAGE_GAP not in result.flags


def test_service_complaint_needs_the_street_office():
    with pytest.raises(RoutingError) as refused:
        route(facts("service_complaint", street=None))
    assert refused.value.code == "no_street_office"
