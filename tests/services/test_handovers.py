"""The hand-over workflow as use cases: every step, every party, every refusal
(docs/domain.md#handovers)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from pmsys import clock, scheduling
from pmsys.assets.services import create_handover, maintainer_on, take_action
from pmsys.assets.services.handovers import get_handover_or_404
from pmsys.assets.services.worklist import available_actions, count_open, waiting_for
from pmsys.assets.workflow import ACTIONS, State
from pmsys.audit import AuditRecord
from pmsys.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from pmsys.models.assets import Handover, HandoverEvent, HandoverStatus
from pmsys.models.auth import User
from tests.asset_factories import asset, build_region, project_for, stint
from tests.units import as_request

NOW = datetime(2022, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TODAY = date(2022, 6, 1)


@pytest.fixture
def region(db):
    clock.set_now(NOW)
    region = build_region()
    project = project_for([region.ca, region.cc], accepted_on=date(2021, 11, 20),
                          code="2021-01")
    for code, category, community in (
        ("CA-WS", "water_supply", "ca"),
        ("CA-DR", "drainage", "ca"),
        ("CC-WS", "water_supply", "cc"),
        ("CB-WS", "water_supply", "cb"),
    ):
        asset(region, code, category, community, project=project if community != "cb" else None)
    return region


def user(region, name) -> User:
    return region.users[name]


def draft(db, region, code="H-1", assets=("CA-WS",), frm="HB1", to="WATER", who="bureau"):
    return create_handover(db.session, user(region, who), code=code, from_org=frm, to_org=to,
                           assets=list(assets))


def act(db, region, who, handover, action, **payload):
    return take_action(db.session, user(region, who), handover, action, **payload)


def events(db, handover) -> list[tuple[str, str]]:
    return [(e.action, e.status_after) for e in db.session.scalars(
        select(HandoverEvent).where(HandoverEvent.handover_id == handover.id)
        .order_by(HandoverEvent.id))]


def audits(db, code) -> list[str]:
    return list(db.session.scalars(
        select(AuditRecord.action).where(AuditRecord.object_type == "handover",
                                         AuditRecord.object_key == code)
        .order_by(AuditRecord.id)))


def snapshot(handover: Handover) -> tuple:
    """What an action may change on the hand-over row and its children."""
    return (handover.status, handover.version, handover.submitted_at, handover.return_reason,
            handover.inspected_on, handover.receiver_signed_at, handover.transferor_signed_at,
            handover.effective_on, len(handover.committee_signatures),
            [(d.position, d.fixed_at) for d in handover.defects])


# --- the full walk ------------------------------------------------------------------


def test_full_walk_from_draft_to_effective(db, region):
    handover = draft(db, region, assets=["CA-WS", "CA-DR", "CA-WS"])
    assert handover.status is HandoverStatus.draft and handover.version == 1
    assert [a.code for a in handover.assets] == ["CA-DR", "CA-WS"]
    assert handover.from_org.code == "HB1" and handover.to_org.code == "WATER"
    assert handover.created_by_id == user(region, "bureau").id
    versions = [handover.version]

    act(db, region, "bureau", handover, "submit")
    assert handover.status is HandoverStatus.submitted and handover.submitted_at == NOW
    versions.append(handover.version)

    act(db, region, "water", handover, "inspect", defects=["阀门锈蚀", " 井盖缺失 "],
        inspected_on="2022-05-30", note="住建局、水投公司、业委会")
    assert handover.status is HandoverStatus.inspected
    assert handover.inspected_on == date(2022, 5, 30)
    assert handover.inspection_participants == "住建局、水投公司、业委会"
    assert [(d.position, d.description, d.fixed_at) for d in handover.defects] == [
        (0, "阀门锈蚀", None), (1, "井盖缺失", None)]
    versions.append(handover.version)

    act(db, region, "water", handover, "fix_defect", defect=0)
    versions.append(handover.version)
    act(db, region, "bureau", handover, "fix_defect", defect=1)
    versions.append(handover.version)
    assert [(d.fixed_at, d.fixed_by_id) for d in handover.defects] == [
        (NOW, user(region, "water").id), (NOW, user(region, "bureau").id)]

    act(db, region, "water", handover, "sign")
    assert handover.receiver_signed_by_id == user(region, "water").id
    assert handover.receiver_signed_at == NOW
    assert handover.status is HandoverStatus.inspected
    versions.append(handover.version)
    act(db, region, "bureau", handover, "sign")
    assert handover.transferor_signed_by_id == user(region, "bureau").id
    assert handover.status is HandoverStatus.inspected  # CA's committee has not signed yet
    versions.append(handover.version)
    act(db, region, "committee_a", handover, "sign")
    versions.append(handover.version)

    assert handover.status is HandoverStatus.effective
    assert handover.effective_on == TODAY
    [signature] = handover.committee_signatures
    assert (signature.community_id, signature.signed_by_id) == (
        region.ca.id, user(region, "committee_a").id)
    assert versions == list(range(1, 9))  # every action bumped the version once
    assert events(db, handover) == [
        ("create", "draft"), ("submit", "submitted"), ("inspect", "inspected"),
        ("fix_defect", "inspected"), ("fix_defect", "inspected"), ("sign", "inspected"),
        ("sign", "inspected"), ("sign", "effective"),
    ]
    assert audits(db, "H-1") == [
        "handover_created", "handover_submit", "handover_inspect", "handover_fix_defect",
        "handover_fix_defect", "handover_sign", "handover_sign", "handover_sign",
    ]
    parties = db.session.scalars(select(AuditRecord.data["party"].as_string()).where(
        AuditRecord.action == "handover_sign").order_by(AuditRecord.id)).all()
    assert parties == ["receiver", "transferor", "committee"]
    for pipe in handover.assets:
        assert maintainer_on(pipe, TODAY) == region.water
        assert maintainer_on(pipe, TODAY - timedelta(days=1)) is None


def test_the_receiver_maintains_from_the_effective_date(db, region):
    handover = draft(db, region)
    ws = handover.assets[0]
    old = stint(ws, region.pm_a, date(2020, 1, 1))
    act(db, region, "bureau", handover, "submit")
    act(db, region, "water", handover, "inspect", inspected_on="2022-05-01")
    act(db, region, "water", handover, "sign", effective_on="2022-05-15")
    act(db, region, "bureau", handover, "sign")
    act(db, region, "committee_a", handover, "sign")

    assert handover.status is HandoverStatus.effective  # its date has passed already
    assert old.end == date(2022, 5, 14)
    new = [s for s in ws.stints if s.handover_id == handover.id]
    assert [(s.organization_id, s.start, s.end) for s in new] == [
        (region.water.id, date(2022, 5, 15), None)]
    assert maintainer_on(ws, date(2022, 5, 14)) == region.pm_a
    assert maintainer_on(ws, date(2022, 5, 15)) == region.water


def test_without_a_committee_two_signatures_suffice(db, region):
    handover = draft(db, region, assets=["CC-WS"])
    act(db, region, "bureau", handover, "submit")
    act(db, region, "bureau", handover, "inspect")  # either party records the inspection
    assert handover.inspected_on == TODAY
    act(db, region, "bureau", handover, "sign")
    assert handover.status is HandoverStatus.inspected
    act(db, region, "water", handover, "sign")
    assert handover.status is HandoverStatus.effective
    assert handover.committee_signatures == []


def test_every_community_with_a_committee_must_co_sign(db, region):
    handover = draft(db, region, assets=["CA-WS", "CC-WS"])
    act(db, region, "bureau", handover, "submit")
    act(db, region, "water", handover, "inspect")
    act(db, region, "bureau", handover, "sign")
    act(db, region, "water", handover, "sign")
    assert handover.status is HandoverStatus.inspected
    act(db, region, "committee_a", handover, "sign")
    assert handover.status is HandoverStatus.effective


def test_one_member_signs_for_the_committee(db, region):
    handover = draft(db, region)
    act(db, region, "bureau", handover, "submit")
    act(db, region, "water", handover, "inspect")
    act(db, region, "committee_a", handover, "sign")
    before = snapshot(handover)
    with pytest.raises(Conflict) as refused:
        act(db, region, "committee_a2", handover, "sign")
    assert refused.value.code == "already_signed"
    assert snapshot(handover) == before


def test_two_committees_each_co_sign_once(db, region):
    # A hand-over across districts: only the sysadmin keeps both registers.
    handover = draft(db, region, assets=["CA-WS", "CB-WS"], who="sysadmin")
    act(db, region, "bureau", handover, "submit")
    act(db, region, "water", handover, "inspect")
    act(db, region, "water", handover, "sign")
    act(db, region, "bureau", handover, "sign")
    act(db, region, "committee_a", handover, "sign")
    assert handover.status is HandoverStatus.inspected  # CB's committee has not signed
    before = snapshot(handover)
    with pytest.raises(Conflict) as refused:  # CA's committee has, by another member
        act(db, region, "committee_a2", handover, "sign")
    assert refused.value.code == "already_signed"
    assert snapshot(handover) == before
    act(db, region, "committee_b", handover, "sign")
    assert handover.status is HandoverStatus.effective
    assert sorted((s.community_id, s.signed_by_id) for s in handover.committee_signatures) == \
        sorted([(region.ca.id, user(region, "committee_a").id),
                (region.cb.id, user(region, "committee_b").id)])


def test_signing_twice_is_a_conflict(db, region):
    handover = draft(db, region)
    act(db, region, "bureau", handover, "submit")
    act(db, region, "water", handover, "inspect")
    act(db, region, "water", handover, "sign")
    before = snapshot(handover)
    for who in ("water", "water2"):  # the receiver signs once, whichever staff member
        with pytest.raises(Conflict) as refused:
            act(db, region, who, handover, "sign")
        assert refused.value.code == "already_signed"
    assert snapshot(handover) == before


# --- a date in the future -----------------------------------------------------------


def test_a_future_date_waits_for_the_job(db, region):
    handover = draft(db, region)
    ws = handover.assets[0]
    stint(ws, region.pm_a, date(2020, 1, 1))
    act(db, region, "bureau", handover, "submit")
    act(db, region, "water", handover, "inspect")
    act(db, region, "water", handover, "sign", effective_on="2022-07-01")
    act(db, region, "bureau", handover, "sign", effective_on="2022-07-01")  # the same date
    act(db, region, "committee_a", handover, "sign")
    assert handover.status is HandoverStatus.signed
    assert handover.effective_on == date(2022, 7, 1)
    assert maintainer_on(ws, date(2022, 6, 30)) == region.pm_a
    assert maintainer_on(ws, date(2022, 7, 1)) == region.water
    for action in ACTIONS:  # nothing more to do by hand
        with pytest.raises(Conflict):
            act(db, region, "bureau" if action != "return" else "water", handover, action,
                note="x", defect=0)

    # 23:59 on 30 June in Shanghai: not yet.
    summary = scheduling.run_job("handover_reminders", datetime(2022, 6, 30, 15, 59, tzinfo=UTC))
    assert summary == {"activated": 0, "open": 1}
    assert db.session.get(Handover, handover.id).status is HandoverStatus.signed
    # 00:05 on 1 July in Shanghai (still 30 June in UTC): its day has come.
    summary = scheduling.run_job("handover_reminders", datetime(2022, 6, 30, 16, 5, tzinfo=UTC))
    assert summary == {"activated": 1, "open": 0}
    handover = db.session.get(Handover, handover.id)
    assert handover.status is HandoverStatus.effective
    assert events(db, handover)[-1] == ("effective", "effective")
    entry = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "handover_effective")).one()
    assert entry.actor == "scheduler" and entry.data == {"effective_on": "2022-07-01"}


def test_a_later_signer_may_not_change_the_agreed_date(db, region):
    handover = draft(db, region)
    act(db, region, "bureau", handover, "submit")
    act(db, region, "water", handover, "inspect", inspected_on="2022-05-20")
    with pytest.raises(RuleRefused) as refused:
        act(db, region, "water", handover, "sign", effective_on="2022-05-19")
    assert refused.value.code == "effective_before_inspection"
    assert handover.receiver_signed_at is None
    act(db, region, "water", handover, "sign", effective_on="2022-07-01")
    before = snapshot(handover)
    with pytest.raises(RuleRefused) as refused:
        act(db, region, "bureau", handover, "sign", effective_on="2022-08-01")
    assert refused.value.code == "effective_on_agreed"
    assert snapshot(handover) == before
    with pytest.raises(InvalidInput):
        act(db, region, "bureau", handover, "sign", effective_on="1 July")
    assert snapshot(handover) == before


def test_a_date_before_the_current_maintainers_start_is_refused(db, region):
    handover = draft(db, region)
    ws = handover.assets[0]
    stint(ws, region.pm_a, date(2022, 5, 10))
    act(db, region, "bureau", handover, "submit")
    act(db, region, "water", handover, "inspect", inspected_on="2022-05-01")
    act(db, region, "water", handover, "sign", effective_on="2022-05-10")
    act(db, region, "bureau", handover, "sign")
    before = snapshot(handover)
    with pytest.raises(RuleRefused) as refused:
        act(db, region, "committee_a", handover, "sign")
    assert refused.value.code == "history_conflict"
    assert snapshot(handover) == before
    assert [(s.organization_id, s.end) for s in ws.stints] == [(region.pm_a.id, None)]


# --- return, inspection, defects ----------------------------------------------------


def test_return_with_reasons_then_submit_again(db, region):
    handover = draft(db, region)
    act(db, region, "bureau", handover, "submit")
    act(db, region, "water", handover, "return", note="  缺少竣工图纸  ")
    assert handover.status is HandoverStatus.returned
    assert handover.return_reason == "缺少竣工图纸"
    act(db, region, "bureau", handover, "submit")
    assert handover.status is HandoverStatus.submitted
    assert events(db, handover) == [("create", "draft"), ("submit", "submitted"),
                                    ("return", "returned"), ("submit", "submitted")]
    note = db.session.scalars(select(HandoverEvent.note).where(
        HandoverEvent.action == "return")).one()
    assert note == "缺少竣工图纸"


@pytest.mark.parametrize("note", [None, "", "   "])
def test_return_without_reasons_is_bad_input(db, region, note):
    handover = draft(db, region)
    act(db, region, "bureau", handover, "submit")
    before = snapshot(handover)
    with pytest.raises(InvalidInput) as refused:
        act(db, region, "water", handover, "return", note=note)
    assert refused.value.fields == {"note": "required"}
    assert snapshot(handover) == before
    assert events(db, handover)[-1] == ("submit", "submitted")


def test_sign_with_an_open_defect_is_refused_and_changes_nothing(db, region):
    handover = draft(db, region)
    act(db, region, "bureau", handover, "submit")
    act(db, region, "water", handover, "inspect", defects=["漏水"])
    before = snapshot(handover)
    for who in ("water", "bureau", "committee_a"):
        with pytest.raises(RuleRefused) as refused, as_request(db.session):
            act(db, region, who, handover, "sign")
        assert refused.value.status == 422 and refused.value.code == "open_defects"
        assert "1 defect(s)" in refused.value.message
    assert snapshot(handover) == before
    refusals = db.session.scalars(select(AuditRecord.data).where(
        AuditRecord.action == "handover_action_refused")).all()
    assert [r["reason"] for r in refusals] == ["open_defects"] * 3
    act(db, region, "water", handover, "fix_defect", defect=0)
    act(db, region, "water", handover, "sign")
    assert handover.receiver_signed_at == NOW


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"defects": "漏水"}, "defects"),
        ({"defects": ["漏水", ""]}, "defects"),
        ({"defects": [1]}, "defects"),
        ({"inspected_on": "2022-06-02"}, "inspected_on"),  # tomorrow
        ({"inspected_on": "yesterday"}, "inspected_on"),
        ({"note": 5}, "note"),
    ],
)
def test_bad_inspection_input(db, region, payload, field):
    handover = draft(db, region)
    act(db, region, "bureau", handover, "submit")
    before = snapshot(handover)
    with pytest.raises(InvalidInput) as refused:
        act(db, region, "water", handover, "inspect", **payload)
    assert field in refused.value.fields
    assert snapshot(handover) == before


@pytest.mark.parametrize("defect", [None, "0", 2, -1, True])
def test_fix_defect_names_an_existing_defect(db, region, defect):
    handover = draft(db, region)
    act(db, region, "bureau", handover, "submit")
    act(db, region, "water", handover, "inspect", defects=["a", "b"])
    before = snapshot(handover)
    with pytest.raises(InvalidInput):
        act(db, region, "water", handover, "fix_defect", defect=defect)
    assert snapshot(handover) == before


def test_fixing_a_fixed_defect_is_a_conflict(db, region):
    handover = draft(db, region)
    act(db, region, "bureau", handover, "submit")
    act(db, region, "water", handover, "inspect", defects=["a"])
    act(db, region, "water", handover, "fix_defect", defect=0)
    before = snapshot(handover)
    with pytest.raises(Conflict) as refused:
        act(db, region, "bureau", handover, "fix_defect", defect=0)
    assert refused.value.code == "already_fixed"
    assert snapshot(handover) == before


def test_an_unknown_action_is_bad_input(db, region):
    handover = draft(db, region)
    for action in ("approve", "", None, "effective"):
        with pytest.raises(InvalidInput):
            act(db, region, "bureau", handover, action)
    assert handover.status is HandoverStatus.draft and handover.version == 1


# --- every action by every kind of actor --------------------------------------------

ACTORS = ["unit_staff", "water", "water2", "committee_a", "committee_b", "heat", "resident_a",
          "officer", "officer_b", "bureau", "bureau_b", "sysadmin", "manager_a"]
# The original unit (OU) hands over to WATER; the bureau only drafted it, so its
# staff oversee the hand-over without being a party.
SEES = {"unit_staff", "water", "water2", "committee_a", "officer", "bureau", "sysadmin"}
MAY = {
    "submit": {"unit_staff"},
    "return": {"water", "water2"},
    "inspect": {"unit_staff", "water", "water2"},
    "fix_defect": {"unit_staff", "water", "water2"},
    "sign": {"unit_staff", "water", "water2", "committee_a"},
}
PAYLOAD = {"submit": {}, "return": {"note": "资料不全"}, "inspect": {"defects": []},
           "fix_defect": {"defect": 0}, "sign": {}}
AFTER = {"submit": "submitted", "return": "returned", "inspect": "inspected",
         "fix_defect": "inspected", "sign": "inspected"}


def bring_to(db, region, state: str, code="H-OU") -> Handover:
    """A hand-over from OU to WATER of CA's water network, in `state`."""
    handover = draft(db, region, code=code, frm="OU")
    if state == "draft":
        return handover
    act(db, region, "unit_staff", handover, "submit")
    if state == "returned":
        act(db, region, "water", handover, "return", note="资料不全")
    if state in ("draft", "submitted", "returned"):
        return handover
    defects = ["井盖缺失"] if state == "inspected_with_defect" else []
    act(db, region, "water", handover, "inspect", defects=defects)
    if state.startswith("inspected"):
        return handover
    day = "2022-07-01" if state == "signed" else None
    act(db, region, "water", handover, "sign", effective_on=day)
    act(db, region, "unit_staff", handover, "sign")
    act(db, region, "committee_a", handover, "sign")
    assert handover.status.value == state
    return handover


START = {"submit": "draft", "return": "submitted", "inspect": "submitted",
         "fix_defect": "inspected_with_defect", "sign": "inspected"}


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("action", list(MAY))
def test_every_action_by_every_actor(db, region, action, who):
    handover = bring_to(db, region, START[action])
    actor = user(region, who)
    if who not in SEES:
        with pytest.raises(NotFound):
            get_handover_or_404(db.session, actor, "H-OU")
    else:
        assert get_handover_or_404(db.session, actor, "H-OU") is handover
    before = snapshot(handover)
    trail = events(db, handover)
    if who in MAY[action]:
        take_action(db.session, actor, handover, action, **PAYLOAD[action])
        assert handover.status.value == AFTER[action]
        assert handover.version == before[1] + 1
        assert events(db, handover) == [*trail, (action, AFTER[action])]
        assert audits(db, "H-OU")[-1] == f"handover_{action}"
        return
    # Also when a caller skipped get_handover_or_404: not a party, so not theirs to take.
    with pytest.raises(Forbidden) as refused, as_request(db.session):
        take_action(db.session, actor, handover, action, **PAYLOAD[action])
    assert refused.value.status == 403
    assert snapshot(handover) == before
    assert events(db, handover) == trail
    assert audits(db, "H-OU")[-1] == "handover_action_refused"


STATES = ["draft", "submitted", "returned", "inspected", "signed", "effective"]
PARTY_FOR = {"submit": "unit_staff", "return": "water", "inspect": "water",
             "fix_defect": "water", "sign": "water"}


@pytest.mark.parametrize(
    ("state", "action"),
    [(s, a) for s in STATES for a in MAY if State(s) not in ACTIONS[a].from_states],
)
def test_an_action_that_does_not_fit_the_state_is_a_conflict(db, region, state, action):
    handover = bring_to(db, region, state)
    before = snapshot(handover)
    trail = events(db, handover)
    with pytest.raises(Conflict) as refused:
        act(db, region, PARTY_FOR[action], handover, action, **PAYLOAD[action])
    assert refused.value.status == 409
    assert snapshot(handover) == before
    assert events(db, handover) == trail


# --- create_handover ----------------------------------------------------------------


def test_the_transferors_staff_may_draft(db, region):
    first = draft(db, region, assets=["CC-WS"])
    act(db, region, "bureau", first, "submit")
    act(db, region, "water", first, "inspect")
    act(db, region, "water", first, "sign")
    act(db, region, "bureau", first, "sign")
    # WATER, now the maintainer, hands the network on; its operator is not a keeper.
    second = draft(db, region, code="H-2", assets=["CC-WS"], frm="WATER", to="HEAT",
                   who="water")
    assert second.created_by_id == user(region, "water").id
    assert audits(db, "H-2") == ["handover_created"]
    entry = db.session.scalars(select(AuditRecord).where(
        AuditRecord.object_key == "H-2")).one()
    assert entry.data == {"assets": ["CC-WS"], "from": "WATER", "to": "HEAT"}
    assert events(db, second) == [("create", "draft")]


@pytest.mark.parametrize("who", ["officer", "water", "committee_a", "resident_a", "manager_a"])
def test_a_creator_neither_transferor_nor_keeper_is_forbidden(db, region, who):
    with pytest.raises(Forbidden):
        draft(db, region, who=who)
    assert db.session.scalar(select(func.count(Handover.id))) == 0


def test_assets_in_an_open_handover_are_a_conflict(db, region):
    draft(db, region, assets=["CA-WS"])
    with pytest.raises(Conflict) as refused:
        draft(db, region, code="H-2", assets=["CA-DR", "CA-WS"], to="HEAT")
    assert refused.value.code == "asset_in_open_handover"
    assert refused.value.fields == {"assets": "CA-WS (H-1)"}


def test_a_duplicate_code_is_a_conflict(db, region):
    draft(db, region, assets=["CA-WS"])
    with pytest.raises(Conflict) as refused:
        draft(db, region, assets=["CA-DR"])
    assert refused.value.code == "duplicate_code"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"assets": ["NOPE"]}, "assets"),
        ({"assets": ["CB-WS"]}, "assets"),  # another district's: unknown to this bureau
        ({"assets": []}, "assets"),
        ({"assets": "CA-WS"}, "assets"),
        ({"to": "HB1"}, "to"),
        ({"to": "NOPE"}, "to"),
        ({"frm": "NOPE"}, "from"),
        ({"to": "OC-A"}, "to"),  # a committee co-signs, it is not a party
        ({"code": "H/1"}, "code"),
        ({"code": ""}, "code"),
        ({"to": None}, "to"),
    ],
)
def test_bad_handover_input(db, region, change, field):
    with pytest.raises(InvalidInput) as refused:
        draft(db, region, **change)
    assert field in refused.value.fields
    assert db.session.scalar(select(func.count(Handover.id))) == 0


# --- waiting for whom ---------------------------------------------------------------


def test_waiting_for_lists_what_the_actor_must_do_next(db, region):
    handover = draft(db, region)
    codes = lambda who: [h.code for h in waiting_for(db.session, user(region, who))]  # noqa: E731
    assert codes("bureau") == ["H-1"] and codes("water") == []
    act(db, region, "bureau", handover, "submit")
    assert codes("bureau") == ["H-1"] and codes("water") == ["H-1"]  # either may inspect
    act(db, region, "water", handover, "inspect")
    assert {w: codes(w) for w in ("water", "bureau", "committee_a", "heat", "resident_a")} == {
        "water": ["H-1"], "bureau": ["H-1"], "committee_a": ["H-1"], "heat": [],
        "resident_a": []}
    act(db, region, "water", handover, "sign")
    act(db, region, "committee_a2", handover, "sign")
    assert codes("water") == [] and codes("committee_a") == [] and codes("bureau") == ["H-1"]
    assert count_open(db.session) == 1
    act(db, region, "bureau", handover, "sign")
    assert codes("bureau") == [] and count_open(db.session) == 0


def test_available_actions_follow_state_party_and_signatures(db, region):
    handover = draft(db, region)
    now = lambda who: available_actions(db.session, user(region, who), handover)  # noqa: E731
    assert (now("bureau"), now("water"), now("officer")) == (["submit"], [], [])
    act(db, region, "bureau", handover, "submit")
    assert (now("bureau"), now("water")) == (["inspect"], ["return", "inspect"])
    act(db, region, "water", handover, "inspect", defects=["a"])
    assert now("water") == ["fix_defect", "sign"]
    assert (now("committee_a"), now("resident_a"), now("sysadmin")) == (["sign"], [], [])
    act(db, region, "bureau", handover, "fix_defect", defect=0)
    act(db, region, "committee_a", handover, "sign")
    assert (now("water"), now("committee_a2")) == (["sign"], [])


# --- concurrent actions -------------------------------------------------------------


def test_the_second_of_two_concurrent_actions_gets_a_stale_data_error(db, region):
    """Two sessions load the same hand-over; the receiver signs, then the transferor.

    Both sessions share the test's connection (separate connections cannot see
    the test's uncommitted rows, and SQLite would block the second writer), but
    each has its own identity map, so the second holds the version it loaded.
    """
    handover = draft(db, region, assets=["CC-WS"])
    act(db, region, "bureau", handover, "submit")
    act(db, region, "water", handover, "inspect")
    loaded_version = handover.version

    other = Session(bind=db.session.connection(), join_transaction_mode="create_savepoint",
                    expire_on_commit=False)
    try:
        stale = other.scalars(select(Handover).where(Handover.code == "H-1")).one()
        for item in stale.assets:  # load all the other session will read
            list(item.stints)
        list(stale.defects), list(stale.committee_signatures)
        bureau = other.get(User, user(region, "bureau").id)
        other.commit()  # ends the savepoint only; the objects keep the version they read
        assert stale.version == loaded_version

        act(db, region, "water", handover, "sign")  # the first writer wins
        assert handover.version == loaded_version + 1

        with pytest.raises(StaleDataError):
            take_action(other, bureau, stale, "sign")
    finally:
        other.rollback()
        other.close()
    db.session.refresh(handover)
    assert handover.status is HandoverStatus.inspected
    assert handover.receiver_signed_at == NOW and handover.transferor_signed_at is None
    assert handover.version == loaded_version + 1
    assert events(db, handover)[-1] == ("sign", "inspected")
