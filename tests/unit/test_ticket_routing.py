"""route() (docs/domain.md#routing): every step and reason code, with its date boundaries.

Pure: the facts are built by hand, no app and no database.
"""

from __future__ import annotations

from datetime import date

import pytest

from pmsys.assets.maintainers import Stint
from pmsys.tickets import routing
from pmsys.tickets.routing import AssetFacts, Facts, Org, RoutingError, route

ON = date(2025, 6, 2)

MANAGER = Org(1, "PM-A", "甲物业")
STREET = Org(2, "SO-S1", "萨拉齐镇政府")
WATER = Org(3, "W-D1", "旗水投公司")
CONTRACTOR = Org(4, "K-1", "屋面施工队")
GAS_OPERATOR = Org(5, "G-OP", "燃气运营")
GAS_CITY = Org(6, "G-BT", "市燃气公司")
GAS_DISTRICT = Org(7, "G-D1", "旗燃气公司")
SANITATION_STREET = Org(8, "SAN-S1", "镇环卫所")
SANITATION_CITY = Org(9, "SAN-BT", "市环卫局")
OLD_MAINTAINER = Org(10, "OLD", "原维护单位")
CARRIER_1, CARRIER_2 = Org(11, "T-1", "电信"), Org(12, "T-2", "移动")

BUILDING, OTHER_BUILDING, UNIT = 100, 101, 200


def asset(id_, category="water_supply", *, building=None, unit=None, contractor=None,
          until=None, stints=()) -> AssetFacts:
    return AssetFacts(id=id_, code=f"A-{id_}", name=f"资产{id_}", category=category,
                      building_id=building, unit_id=unit, warranty_contractor=contractor,
                      warranty_until=until, stints=tuple(stints))


def facts(category="water_supply", *, utility=True, by_duty=False, on=ON, manager=MANAGER,
          street=STREET, **kwargs) -> Facts:
    return Facts(category=category, utility=utility, by_duty=by_duty, on=on, manager=manager,
                 street_office=street, **kwargs)


def codes(result) -> list[str]:
    return [step.code for step in result.steps]


# --- 1. by duty ------------------------------------------------------------------------


def test_duty_goes_to_the_nearest_authority():
    result = route(facts("waste", utility=False, by_duty=True,
                         duty_authorities=(SANITATION_STREET, SANITATION_CITY)))
    assert result.assignee == SANITATION_STREET
    assert result.reason == routing.DUTY == "duty"
    assert codes(result) == ["duty"]
    assert result.steps[0].params == {"org": SANITATION_STREET.name, "category": "waste"}
    assert result.flags == frozenset()


def test_duty_wins_over_an_asset_and_the_manager():
    result = route(facts("parcel_locker", utility=False, by_duty=True,
                         duty_authorities=(SANITATION_CITY,),
                         assets=(asset(1, "parcel_locker", stints=[Stint(WATER, ON)]),)))
    assert result.assignee == SANITATION_CITY and result.reason == "duty"


def test_duty_none_continues_down_the_steps():
    result = route(facts("waste", utility=False, by_duty=True))
    assert codes(result) == ["duty_none", "no_asset", "manager"]
    assert result.steps[0].params == {"category": "waste"}
    assert result.assignee == MANAGER and result.reason == "manager"
    # Not a utility category: no not_handed_over flag.
    assert result.flags == frozenset()


def test_duty_is_not_asked_of_categories_without_a_duty():
    result = route(facts("lighting", utility=False, duty_authorities=(SANITATION_CITY,)))
    assert result.reason == "manager"
    assert "duty" not in codes(result) and "duty_none" not in codes(result)


# --- 2. gas ----------------------------------------------------------------------------


def test_gas_goes_to_the_maintainer_of_the_gas_asset_whatever_the_warranty():
    gas = asset(1, "gas", contractor=CONTRACTOR, until=date(2030, 1, 1),
                stints=[Stint(GAS_OPERATOR, date(2020, 1, 1))])
    result = route(facts("gas", assets=(gas,), gas_utilities=(GAS_DISTRICT,)))
    assert result.assignee == GAS_OPERATOR
    assert result.reason == routing.GAS_EMERGENCY == "gas_emergency"
    assert codes(result) == ["gas_asset"]
    assert result.steps[0].params == {"org": GAS_OPERATOR.name, "asset": "A-1"}
    assert result.flags == frozenset({routing.NOTIFY_MANAGER})
    assert result.asset == gas


def test_gas_goes_to_the_region_utility_when_no_asset_is_maintained():
    never_handed = asset(1, "gas")
    result = route(facts("gas", assets=(never_handed,),
                         gas_utilities=(GAS_DISTRICT, GAS_CITY)))
    assert result.assignee == GAS_DISTRICT
    assert result.reason == "gas_emergency"
    assert codes(result) == ["gas_region"]
    assert result.steps[0].params == {"org": GAS_DISTRICT.name}
    assert result.flags == frozenset({"notify_manager"})


def test_gas_asset_maintained_only_from_tomorrow_falls_to_the_region_utility():
    later = asset(1, "gas", stints=[Stint(GAS_OPERATOR, date(2025, 6, 3))])
    result = route(facts("gas", assets=(later,), gas_utilities=(GAS_CITY,)))
    assert result.assignee == GAS_CITY and codes(result) == ["gas_region"]


def test_gas_inside_a_home_still_goes_to_the_gas_operator():
    result = route(facts("gas", inside_home=True, unit_id=UNIT, gas_utilities=(GAS_CITY,)))
    assert result.assignee == GAS_CITY and result.reason == "gas_emergency"
    assert routing.PAID_SERVICE not in result.flags


def test_gas_none_continues_to_the_manager():
    result = route(facts("gas"))
    assert codes(result) == ["gas_none", "no_asset", "manager"]
    assert result.assignee == MANAGER and result.reason == "manager"
    assert result.flags == frozenset({routing.NOT_HANDED_OVER})


def test_gas_prefers_the_asset_the_ticket_names():
    named = asset(1, "gas", building=BUILDING, stints=[Stint(GAS_OPERATOR, date(2020, 1, 1))])
    covering = asset(2, "gas", stints=[Stint(GAS_DISTRICT, date(2020, 1, 1))])
    result = route(facts("gas", asset_id=1, assets=(covering, named)))
    assert result.assignee == GAS_OPERATOR and result.asset == named


# --- 3. inside a home ------------------------------------------------------------------


def test_owner_side_for_a_utility_inside_a_home():
    maintained = asset(1, stints=[Stint(WATER, date(2020, 1, 1))])
    result = route(facts(inside_home=True, unit_id=UNIT, assets=(maintained,)))
    assert result.assignee == MANAGER
    assert result.reason == routing.OWNER_SIDE == "owner_side"
    assert codes(result) == ["owner_side", "manager"]
    assert result.steps[0].params == {"category": "water_supply"}
    assert result.flags == frozenset({routing.PAID_SERVICE})
    assert result.asset is None


def test_owner_side_without_a_manager_goes_to_the_street_office():
    result = route(facts("heating", inside_home=True, manager=None))
    assert result.assignee == STREET and result.reason == "owner_side"
    assert codes(result) == ["owner_side", "no_manager"]
    assert result.flags == frozenset({"paid_service", "coverage_gap"})


def test_non_utility_inside_a_home_goes_on_to_the_asset():
    roof = asset(1, "roof_leak", building=BUILDING, contractor=CONTRACTOR,
                 until=date(2027, 5, 31))
    result = route(facts("roof_leak", utility=False, inside_home=True, building_id=BUILDING,
                         unit_id=UNIT, assets=(roof,)))
    assert result.reason == "warranty" and result.assignee == CONTRACTOR
    assert "owner_side" not in codes(result)
    assert routing.PAID_SERVICE not in result.flags


# --- 4. the asset ----------------------------------------------------------------------


def test_the_given_asset_is_used():
    given = asset(1, stints=[Stint(WATER, date(2020, 1, 1))])
    other = asset(2, building=BUILDING, stints=[Stint(OLD_MAINTAINER, date(2020, 1, 1))])
    result = route(facts(asset_id=1, building_id=BUILDING, assets=(given, other)))
    assert result.asset == given and result.assignee == WATER
    assert codes(result)[0] == "asset_given"
    assert result.steps[0].params == {"asset": "A-1", "name": "资产1"}


def test_asset_not_here():
    with pytest.raises(RoutingError) as refused:
        route(facts(asset_id=99, assets=(asset(1),)))
    assert refused.value.code == "asset_not_here"
    assert refused.value.choices == ()


@pytest.mark.parametrize(
    ("building_id", "unit_id", "expected", "scope"),
    [
        (BUILDING, UNIT, 3, "unit"),
        (BUILDING, None, 2, "building"),
        (OTHER_BUILDING, None, 1, "community"),
        (None, None, 1, "community"),
    ],
)
def test_asset_found_most_specific_first(building_id, unit_id, expected, scope):
    register = (
        asset(1, stints=[Stint(Org(21, "C", "小区级"), date(2020, 1, 1))]),
        asset(2, building=BUILDING, stints=[Stint(Org(22, "B", "楼级"), date(2020, 1, 1))]),
        asset(3, building=BUILDING, unit=UNIT,
              stints=[Stint(Org(23, "U", "单元级"), date(2020, 1, 1))]),
    )
    result = route(facts(building_id=building_id, unit_id=unit_id, assets=register))
    assert result.asset.id == expected
    assert result.assignee.id == 20 + expected
    assert result.steps[0] == routing.Step(
        "asset_found", {"asset": f"A-{expected}", "name": f"资产{expected}", "scope": scope}
    )


def test_unit_without_its_own_asset_falls_back_to_the_building():
    register = (asset(2, building=BUILDING), asset(3, building=BUILDING, unit=UNIT + 1))
    result = route(facts(building_id=BUILDING, unit_id=UNIT, assets=register))
    assert result.asset.id == 2


def test_several_assets_covering_the_place_equally_are_ambiguous():
    line_1 = asset(2, "telecom", building=BUILDING, stints=[Stint(CARRIER_1, date(2023, 1, 1))])
    line_2 = asset(1, "telecom", building=BUILDING, stints=[Stint(CARRIER_2, date(2023, 1, 1))])
    with pytest.raises(RoutingError) as refused:
        route(facts("telecom", building_id=BUILDING, assets=(line_1, line_2)))
    assert refused.value.code == "asset_ambiguous"
    assert [a.code for a in refused.value.choices] == ["A-1", "A-2"]
    # Naming one of them answers the question.
    chosen = route(facts("telecom", building_id=BUILDING, asset_id=2, assets=(line_1, line_2)))
    assert chosen.assignee == CARRIER_1 and chosen.reason == "maintainer"


def test_no_asset_is_recorded_as_a_step():
    result = route(facts("elevator", utility=False))
    assert result.steps[0] == routing.Step("no_asset", {"category": "elevator"})
    assert result.asset is None


# --- 5. warranty -----------------------------------------------------------------------


def test_warranty_on_its_last_day():
    roof = asset(1, "roof_leak", contractor=CONTRACTOR, until=ON,
                 stints=[Stint(OLD_MAINTAINER, date(2020, 1, 1))])
    result = route(facts("roof_leak", utility=False, assets=(roof,)))
    assert result.assignee == CONTRACTOR
    assert result.reason == routing.WARRANTY == "warranty"
    assert codes(result) == ["asset_found", "warranty"]
    assert result.steps[1].params == {"org": CONTRACTOR.name, "until": ON.isoformat()}
    assert result.asset == roof


def test_warranty_ended_the_day_before():
    roof = asset(1, "roof_leak", contractor=CONTRACTOR, until=date(2025, 6, 1),
                 stints=[Stint(OLD_MAINTAINER, date(2020, 1, 1))])
    result = route(facts("roof_leak", utility=False, assets=(roof,)))
    assert result.assignee == OLD_MAINTAINER and result.reason == "maintainer"
    assert codes(result) == ["asset_found", "warranty_ended", "maintainer"]
    assert result.steps[1].params == {"until": "2025-06-01"}


def test_no_warranty_is_recorded():
    result = route(facts("roof_leak", utility=False, assets=(asset(1, "roof_leak"),)))
    assert codes(result) == ["asset_found", "no_warranty", "not_handed_over", "manager"]


# --- 6. the maintainer after a hand-over -----------------------------------------------


def test_maintainer_from_the_first_day_of_the_stint():
    water = asset(1, stints=[Stint(WATER, ON)])
    result = route(facts(assets=(water,)))
    assert result.assignee == WATER
    assert result.reason == routing.MAINTAINER == "maintainer"
    assert codes(result) == ["asset_found", "no_warranty", "maintainer"]
    assert result.steps[-1].params == {"org": WATER.name, "since": ON.isoformat(),
                                       "asset": "资产1"}
    assert result.flags == frozenset()


def test_no_maintainer_the_day_before_the_stint_starts():
    water = asset(1, stints=[Stint(WATER, date(2025, 6, 3))])
    result = route(facts(assets=(water,)))
    assert result.assignee == MANAGER and result.reason == "manager"
    assert codes(result) == ["asset_found", "no_warranty", "not_handed_over", "manager"]
    assert result.flags == frozenset({routing.NOT_HANDED_OVER})


def test_an_ended_stint_is_not_the_maintainer():
    water = asset(1, stints=[Stint(OLD_MAINTAINER, date(2019, 1, 1), date(2025, 6, 1))])
    result = route(facts(assets=(water,)))
    assert result.assignee == MANAGER and "not_handed_over" in result.flags


def test_the_stint_covering_the_date_wins_over_earlier_ones():
    water = asset(1, stints=[Stint(OLD_MAINTAINER, date(2019, 1, 1), date(2025, 6, 1)),
                             Stint(WATER, date(2025, 6, 2))])
    assert route(facts(assets=(water,))).assignee == WATER
    earlier = route(facts(assets=(water,), on=date(2025, 6, 1)))
    assert earlier.assignee == OLD_MAINTAINER


def test_maintainer_on_the_last_day_of_an_ended_stint():
    water = asset(1, stints=[Stint(OLD_MAINTAINER, date(2019, 1, 1), ON)])
    assert route(facts(assets=(water,))).assignee == OLD_MAINTAINER


# --- 7. the manager; 8. the street office ----------------------------------------------


def test_manager_marks_not_handed_over_only_for_utility_categories():
    utility = route(facts("heating", assets=(asset(1, "heating"),)))
    assert utility.reason == "manager" and utility.flags == frozenset({"not_handed_over"})
    assert utility.steps[-1] == routing.Step("manager", {"org": MANAGER.name})
    other = route(facts("lighting", utility=False, assets=(asset(1, "lighting"),)))
    assert other.reason == "manager" and other.flags == frozenset()


def test_no_manager_goes_to_the_street_office_as_a_coverage_gap():
    result = route(facts("lighting", utility=False, manager=None))
    assert result.assignee == STREET
    assert result.reason == routing.NO_MANAGER == "no_manager"
    assert codes(result) == ["no_asset", "no_manager"]
    assert result.steps[-1].params == {"org": STREET.name}
    assert result.flags == frozenset({routing.COVERAGE_GAP})


def test_no_manager_for_a_utility_keeps_both_flags():
    result = route(facts(manager=None, assets=(asset(1),)))
    assert result.flags == frozenset({"coverage_gap", "not_handed_over"})


def test_no_street_office_is_an_error():
    with pytest.raises(RoutingError) as refused:
        route(facts("lighting", utility=False, manager=None, street=None))
    assert refused.value.code == "no_street_office"


def test_every_reason_code_is_documented():
    assert set(routing.REASONS) == {
        "duty", "gas_emergency", "owner_side", "warranty", "maintainer", "manager", "no_manager",
        "service_complaint",
    }


def test_steps_serialise_as_code_and_params():
    result = route(facts("lighting", utility=False))
    assert [s.as_dict() for s in result.steps] == [
        {"code": "no_asset", "params": {"category": "lighting"}},
        {"code": "manager", "params": {"org": MANAGER.name}},
    ]
