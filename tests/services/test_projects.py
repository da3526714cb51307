"""Renovation projects: recording, the committee's sign-off, acceptance
(docs/domain.md#projects)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from pmsys import clock
from pmsys.assets.services import accept_project, create_asset, create_project, sign_off_project
from pmsys.audit import AuditRecord
from pmsys.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from pmsys.models.assets import ItemClass, Project
from tests.asset_factories import build_region, setting
from tests.units import as_request

NOW = datetime(2021, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def region(db):
    clock.set_now(NOW)
    return build_region()


def audit_actions(db, key: str) -> list[str]:
    return list(db.session.scalars(
        select(AuditRecord.action).where(AuditRecord.object_key == key).order_by(AuditRecord.id)
    ))


def new_project(db, region, code="2021-01", communities=("CA",), **kwargs) -> Project:
    values = {"code": code, "name": "2021年老旧小区改造", "year": 2021, "contractor": "BUILDER",
              "communities": list(communities),
              "items": [{"kind": "water_pipes", "class": "basic"},
                        {"kind": "roof_waterproofing", "class": "complete",
                         "community": list(communities)[0] if communities else None,
                         "contractor": "BUILDER", "description": "1号楼屋面"},
                        {"kind": "charging_piles", "class": "upgrade"}]}
    values.update(kwargs)
    return create_project(db.session, region.users["bureau"], **values)


# --- create_project -----------------------------------------------------------------


def test_bureau_records_a_project_with_items_and_communities(db, region):
    project = new_project(db, region, communities=["CA", "CC"], completed_on="2021-10-30")

    assert project.code == "2021-01" and project.year == 2021
    assert project.contractor.code == "BUILDER"
    assert project.completed_on == date(2021, 10, 30)
    assert [link.community.code for link in project.community_links] == ["CA", "CC"]
    assert [(i.kind, i.item_class) for i in project.items] == [
        ("water_pipes", ItemClass.basic),
        ("roof_waterproofing", ItemClass.complete),
        ("charging_piles", ItemClass.upgrade),
    ]
    roof = project.items[1]
    assert roof.community.code == "CA" and roof.contractor.code == "BUILDER"
    assert roof.description == "1号楼屋面"
    assert project.accepted_on is None
    entry = db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == "project_created")).one()
    assert entry.object_key == "2021-01" and entry.actor == "bureau"
    assert entry.data == {"communities": ["CA", "CC"], "items": 3}


def test_sysadmin_may_record_a_project(db, region):
    project = create_project(db.session, region.users["sysadmin"], code="S-1", year=2022,
                             communities=["CB"])
    assert project.items == [] and project.contractor is None


@pytest.mark.parametrize(
    "who",
    ["officer", "water", "builder", "committee_a", "manager_a", "resident_a", "unit_staff"],
)
def test_only_the_bureau_records_projects(db, region, who):
    with pytest.raises(Forbidden):
        create_project(db.session, region.users[who], code="X-2", year=2021,
                       communities=["CA"], items=[])
    assert db.session.scalar(select(Project).where(Project.code == "X-2")) is None


def test_bureau_of_another_district_cannot_name_our_communities(db, region):
    # A community the bureau cannot see is reported like one that does not exist.
    with pytest.raises(InvalidInput) as refused:
        create_project(db.session, region.users["bureau_b"], code="X-1", year=2021,
                       communities=["CA"])
    assert refused.value.fields == {"communities": "unknown: CA"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"communities": ["CA", "NOPE"]}, "communities"),
        ({"communities": []}, "communities"),
        ({"communities": "CA"}, "communities"),
        ({"contractor": "NOPE"}, "contractor"),
        ({"contractor": "WATER"}, "contractor"),  # a utility is not a contractor
        ({"year": 1989}, "year"),
        ({"year": "2021"}, "year"),
        ({"code": ""}, "code"),
        ({"code": "2021/01"}, "code"),
        ({"code": "x" * 65}, "code"),
        ({"name": "x" * 201}, "name"),
        ({"completed_on": "2021-13-01"}, "completed_on"),
        ({"items": [{"kind": "moat", "class": "basic"}]}, "items[0].kind"),
        ({"items": [{"kind": "road", "class": "luxury"}]}, "items[0].class"),
        ({"items": [{"kind": "road", "class": "basic", "community": "CB"}]},
         "items[0].community"),
        ({"items": [{"kind": "road", "class": "basic", "contractor": "NOPE"}]},
         "items[0].contractor"),
        ({"items": ["road"]}, "items"),
    ],
)
def test_bad_project_input_is_refused_with_the_field(db, region, change, field):
    with pytest.raises(InvalidInput) as refused:
        new_project(db, region, **change)
    assert field in refused.value.fields
    assert db.session.scalar(select(Project.id)) is None


def test_duplicate_project_code_is_a_conflict(db, region):
    new_project(db, region)
    with pytest.raises(Conflict) as refused:
        new_project(db, region)
    assert refused.value.code == "duplicate_code"


# --- sign_off_project ---------------------------------------------------------------


def test_committee_member_signs_off_once(db, region):
    project = new_project(db, region, communities=["CA", "CC"])
    clock.set_now(datetime(2021, 12, 2, 2, 0, tzinfo=UTC))

    sign_off_project(db.session, region.users["committee_a"], project, region.ca)

    link = project.community_links[0]
    assert link.committee_signed_by_id == region.users["committee_a"].id
    assert link.committee_signed_at == datetime(2021, 12, 2, 2, 0, tzinfo=UTC)
    assert audit_actions(db, "2021-01") == ["project_created", "project_signed_off"]
    for member in ("committee_a", "committee_a2"):  # one sign-off per committee
        with pytest.raises(Conflict) as refused:
            sign_off_project(db.session, region.users[member], project, region.ca)
        assert refused.value.code == "already_signed"
    assert link.committee_signed_by_id == region.users["committee_a"].id


@pytest.mark.parametrize(
    "who", ["committee_b", "bureau", "officer", "resident_a", "manager_a", "sysadmin"]
)
def test_only_a_member_of_that_communitys_committee_signs_off(db, region, who):
    project = new_project(db, region)
    with pytest.raises(Forbidden):
        sign_off_project(db.session, region.users[who], project, region.ca)
    assert project.community_links[0].committee_signed_at is None


def test_sign_off_for_a_community_without_committee_is_forbidden(db, region):
    project = new_project(db, region, communities=["CC"])
    with pytest.raises(Forbidden):
        sign_off_project(db.session, region.users["committee_a"], project, region.cc)


def test_sign_off_for_a_community_outside_the_project_is_not_found(db, region):
    project = new_project(db, region, communities=["CC"])
    with pytest.raises(NotFound):
        sign_off_project(db.session, region.users["committee_a"], project, region.ca)


def test_sign_off_after_acceptance_is_a_conflict(db, region):
    project = new_project(db, region)
    sign_off_project(db.session, region.users["committee_a"], project, region.ca)
    accept_project(db.session, region.users["bureau"], project, accepted_on=date(2021, 11, 20),
                   satisfaction_rate="0.95", satisfaction_reason="纸质问卷120户")
    with pytest.raises(Conflict) as refused:
        sign_off_project(db.session, region.users["committee_a2"], project, region.ca)
    assert refused.value.code == "already_accepted"


# --- accept_project -----------------------------------------------------------------


def accept(db, region, project, rate, on=date(2021, 11, 20), who="bureau"):
    # A typed rate needs its reason (no survey of these projects: docs/domain.md#projects).
    return accept_project(db.session, region.users[who], project, accepted_on=on,
                          satisfaction_rate=rate, satisfaction_reason="纸质问卷120户",
                          note="联合验收")


def test_satisfaction_exactly_the_minimum_passes(db, region):
    project = new_project(db, region, communities=["CC"])  # no committee: no sign-off needed

    accept(db, region, project, "0.90")

    assert project.accepted_on == date(2021, 11, 20)
    assert project.satisfaction_rate == Decimal("0.9000")
    assert project.accepted_by_id == region.users["bureau"].id
    assert project.accepted_at == NOW
    assert project.acceptance_note == "联合验收"
    entry = db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == "project_accepted")).one()
    assert entry.data == {"accepted_on": "2021-11-20", "satisfaction_rate": "0.90",
                          "minimum": "0.90", "satisfaction_source": "typed",
                          "reason": "纸质问卷120户", "survey": None}
    assert project.satisfaction_source == "typed"
    assert project.satisfaction_reason == "纸质问卷120户"
    assert project.participation_rate is None and project.satisfaction_survey is None


def test_a_float_rate_compares_exactly(db, region):
    project = new_project(db, region, communities=["CC"])
    accept(db, region, project, 0.9)
    assert project.satisfaction_rate == Decimal("0.9000")


@pytest.mark.parametrize("rate", ["0.8999", "0.89999999", Decimal("0.8999"), 0])
def test_satisfaction_below_the_minimum_is_refused_and_nothing_changes(db, region, rate):
    project = new_project(db, region, communities=["CC"])

    with pytest.raises(RuleRefused) as refused, as_request(db.session):
        accept(db, region, project, rate)

    assert refused.value.status == 422
    assert refused.value.code == "satisfaction_too_low"
    assert "below the minimum 0.9000" in refused.value.message
    assert refused.value.fields == {"reasons": ["satisfaction_too_low"]}
    assert project.accepted_on is None and project.satisfaction_rate is None
    assert project.accepted_by_id is None and project.accepted_at is None
    assert audit_actions(db, "2021-01") == ["project_created", "project_acceptance_refused"]


def test_every_broken_rule_is_listed(db, region):
    project = new_project(db, region, communities=["CA", "CC"], completed_on=date(2021, 12, 1))
    with pytest.raises(RuleRefused) as refused:
        accept(db, region, project, "0.5", on=date(2021, 11, 20))
    assert refused.value.fields == {"reasons": [
        "satisfaction_too_low", "accepted_before_completion", "committee_signoff_missing"]}
    assert "CA" in refused.value.message


def test_missing_committee_sign_off_is_refused(db, region):
    project = new_project(db, region, communities=["CA", "CC"])
    with pytest.raises(RuleRefused) as refused:
        accept(db, region, project, "0.99")
    assert refused.value.code == "committee_signoff_missing"
    assert refused.value.message == "the owners' committee has not signed off: CA"
    assert project.accepted_on is None

    sign_off_project(db.session, region.users["committee_a"], project, region.ca)
    accept(db, region, project, "0.99")
    assert project.accepted_on == date(2021, 11, 20)


def test_the_minimum_is_the_setting(db, region):
    setting("acceptance_min_satisfaction", "0.95")
    project = new_project(db, region, communities=["CC"])
    with pytest.raises(RuleRefused) as refused:
        accept(db, region, project, "0.9499")
    assert "below the minimum 0.9500" in refused.value.message
    accept(db, region, project, "0.95")
    assert project.satisfaction_rate == Decimal("0.9500")


def test_a_regional_minimum_applies_and_the_strictest_wins(db, region):
    setting("acceptance_min_satisfaction", "0.95", scope=region.d2.code)
    only_d1 = new_project(db, region, code="D1", communities=["CC"])
    accept(db, region, only_d1, "0.90")  # district D1 keeps the default

    both = create_project(db.session, region.users["sysadmin"], code="BOTH", year=2021,
                          communities=["CC", "CB"])
    sign_off_project(db.session, region.users["committee_b"], both, region.cb)
    with pytest.raises(RuleRefused) as refused:
        accept(db, region, both, "0.94", who="sysadmin")
    assert refused.value.code == "satisfaction_too_low"
    accept(db, region, both, "0.95", who="sysadmin")


@pytest.mark.parametrize("rate", ["abc", "NaN", "Infinity", True, [0.9], {"r": 1}])
def test_a_rate_that_is_not_a_number_is_bad_input(db, region, rate):
    project = new_project(db, region, communities=["CC"])
    with pytest.raises(InvalidInput) as refused:
        accept(db, region, project, rate)
    assert refused.value.fields == {"satisfaction_rate": "not a decimal"}


@pytest.mark.parametrize("rate", ["1.01", "-0.1"])
def test_a_rate_outside_zero_and_one_is_refused(db, region, rate):
    project = new_project(db, region, communities=["CC"])
    with pytest.raises(RuleRefused) as refused:
        accept(db, region, project, rate)
    assert refused.value.code == "bad_satisfaction"


def test_acceptance_date_is_required(db, region):
    project = new_project(db, region, communities=["CC"])
    for day in (None, "20211120"):
        with pytest.raises(InvalidInput):
            accept(db, region, project, "0.95", on=day)


def test_accepting_twice_is_a_conflict(db, region):
    project = new_project(db, region, communities=["CC"])
    accept(db, region, project, "0.95")
    with pytest.raises(Conflict) as refused:
        accept(db, region, project, "0.99", on=date(2021, 11, 25))
    assert refused.value.code == "already_accepted"
    assert project.accepted_on == date(2021, 11, 20)


@pytest.mark.parametrize("who", ["officer", "committee_a", "water", "bureau_b", "resident_a"])
def test_only_the_keeper_of_every_covered_community_accepts(db, region, who):
    project = new_project(db, region, communities=["CC"])
    with pytest.raises(Forbidden):
        accept(db, region, project, "0.95", who=who)
    assert project.accepted_on is None


def test_acceptance_recomputes_the_warranty_of_the_projects_assets(db, region):
    project = new_project(db, region, communities=["CC"])
    bureau = region.users["bureau"]
    water = create_asset(db.session, bureau, code="CC-WS", category="water_supply",
                         community="CC", project="2021-01")
    heat = create_asset(db.session, bureau, code="CC-HT", category="heating", community="CC",
                        project="2021-01", warranty_contract_until=date(2022, 12, 31))
    other = create_asset(db.session, bureau, code="CC-WS2", category="water_supply",
                         community="CC")
    assert water.warranty_until is None
    assert heat.warranty_until == date(2022, 12, 31)  # the contract alone, until acceptance

    accept(db, region, project, "0.95")

    assert water.warranty_until == date(2023, 11, 20)
    assert heat.warranty_until == date(2024, 4, 15)  # two full seasons beat the contract
    assert other.warranty_until is None  # not renewed by this project


def test_every_step_is_audited(db, region):
    project = new_project(db, region)
    with pytest.raises(RuleRefused), as_request(db.session):
        accept(db, region, project, "0.95")
    sign_off_project(db.session, region.users["committee_a"], project, region.ca)
    accept(db, region, project, "0.95")
    assert audit_actions(db, "2021-01") == [
        "project_created", "project_acceptance_refused", "project_signed_off",
        "project_accepted",
    ]
    refusal = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "project_acceptance_refused")).one()
    assert refusal.data["reasons"] == ["committee_signoff_missing"]
    assert refusal.actor_id == region.users["bureau"].id
