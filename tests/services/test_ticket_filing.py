"""Filing a ticket (docs/domain.md#routing, #deadlines): routing, place checks, hotline calls,
deadlines, trail."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from pmsys import clock
from pmsys.audit import AuditRecord
from pmsys.errors import Forbidden, InvalidInput, NotFound
from pmsys.models.assets import Asset, AssetMaintainer
from pmsys.models.tickets import Notification, Ticket, TicketEvent
from pmsys.tickets.services import (
    file_ticket,
    get_ticket_or_404,
    open_queue,
    preview_routing,
    visible_tickets,
)
from tests.asset_factories import setting
from tests.ticket_world import NOW, build_ticket_world, file_as


@pytest.fixture
def world(db):
    return build_ticket_world()


def notified(db, ticket, kind=None) -> dict[str, set[str]]:
    """The logins notified about `ticket`, by kind."""
    query = select(Notification).where(Notification.ticket_id == ticket.id)
    if kind:
        query = query.where(Notification.kind == kind)
    found: dict[str, set[str]] = {}
    for row in db.session.scalars(query):
        found.setdefault(row.kind, set()).add(row.user.username)
    return found


# --- routing through file_ticket -------------------------------------------------------


@pytest.mark.parametrize(
    ("login", "fields", "assignee", "reason", "flags"),
    [
        ("resident_a", {}, "W-D1", "maintainer", []),
        ("resident_a", {"category": "roof_leak", "building": "1", "description": "顶楼漏雨"},
         "K-1", "warranty", []),
        ("resident_a", {"category": "lighting", "description": "路灯不亮"},
         "PM-A", "manager", []),
        ("resident_a", {"category": "gas", "description": "楼道有燃气味"},
         "G-D1", "gas_emergency", ["notify_manager"]),
        ("resident_a", {"category": "illegal_building", "description": "楼顶私搭乱建"},
         "CG-BT", "duty", []),
        ("resident_a", {"household": "CA/1/1/101", "inside_home": True,
                        "description": "家里水龙头坏了"},
         "PM-A", "owner_side", ["paid_service"]),
        ("resident_a", {"category": "telecom", "building": "1", "asset": "CA-TEL-1",
                        "description": "网络断了"},
         "T-1", "maintainer", []),
        ("resident_a", {"category": "drainage", "description": "下水道堵了"},
         "PM-A", "manager", ["not_handed_over"]),
        ("resident_ac", {"community": "CC", "category": "lighting", "description": "没灯"},
         "SO-S3", "no_manager", ["coverage_gap"]),
    ],
)
def test_every_routing_outcome(world, db, login, fields, assignee, reason, flags):
    ticket = file_as(world, login, **fields)
    assert ticket.assignee.code == assignee
    assert ticket.routing_reason == reason
    assert ticket.routing_flags == flags
    assert ticket.status.value == "assigned"
    assert ticket.routing_steps and all(set(s) == {"code", "params"}
                                        for s in ticket.routing_steps)
    assert ticket.number == f"20250602-{ticket.id:06d}"
    event_row = db.session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).one()
    assert event_row.action == "file" and event_row.data["assignee"] == assignee
    assert event_row.actor_id == world.users[login].id


def test_routing_records_the_steps_and_the_asset(world, db):
    ticket = file_as(world, "resident_a")
    assert [s["code"] for s in ticket.routing_steps] == [
        "asset_found", "no_warranty", "maintainer"]
    assert ticket.routing_steps[-1]["params"]["since"] == "2024-03-01"
    assert ticket.asset_id == world.assets["CA-WS"].id


def test_ambiguous_telecom_asks_which_line(world, db):
    with pytest.raises(InvalidInput) as refused:
        file_as(world, "resident_a", category="telecom", building="1", description="断网")
    assert refused.value.code == "asset_ambiguous"
    assert refused.value.fields == {"asset": "one of CA-TEL-1, CA-TEL-2"}


def test_an_asset_of_another_category_or_community_is_refused(world, db):
    for asset in ("CA-RF", "CB-WS", "NOPE"):
        with pytest.raises(InvalidInput) as refused:
            file_as(world, "resident_a", asset=asset)
        assert set(refused.value.fields) == {"asset"}


def test_preview_matches_filing_and_files_nothing(world, db):
    before = db.session.scalar(select(Ticket.id).limit(1))
    decided = preview_routing(db.session, world.users["resident_a"], category="roof_leak",
                              community="CA", building="1")
    assert decided.assignee.code == "K-1" and decided.reason == "warranty"
    assert db.session.scalar(select(Ticket.id).limit(1)) == before
    # The day after the warranty the roof falls to the manager (never handed over).
    later = preview_routing(db.session, world.users["resident_a"], category="roof_leak",
                            community="CA", building="1", on=date(2027, 6, 1))
    assert later.assignee.code == "PM-A" and later.reason == "manager"


# --- who may file where ----------------------------------------------------------------


def test_a_resident_files_only_in_their_own_community(world, db):
    with pytest.raises(NotFound):
        file_as(world, "resident_a", community="CB")
    with pytest.raises(NotFound):
        file_as(world, "resident_a", community="NOWHERE")


def test_a_resident_reports_the_common_areas_of_any_communitys_building(world, db):
    # A QR code of another community (issue 13): its building's common areas, never a home.
    ticket = file_as(world, "resident_a", category="lighting", community="CB", building="1")
    assert ticket.community.code == "CB" and ticket.building.code == "1"
    assert ticket.reporter_id == world.users["resident_a"].id
    assert file_as(world, "resident_a", community="CB", building="1", unit="1").unit.code == "1"
    with pytest.raises(InvalidInput) as refused:
        file_as(world, "resident_a", community="CB", household="CB/1/1/101")
    assert refused.value.fields == {"household": "unknown"}
    with pytest.raises(InvalidInput) as refused:
        file_as(world, "resident_a", community="CB", building="9")
    assert refused.value.fields == {"building": "unknown"}
    # Staff file only where they serve, whatever the building.
    with pytest.raises(NotFound):
        file_as(world, "operator_out", community="CA", building="1")


def test_inside_home_needs_a_household(world, db):
    with pytest.raises(InvalidInput) as refused:
        file_as(world, "resident_a", inside_home=True)
    assert refused.value.fields == {"household": "required"}


def test_a_resident_cannot_name_another_household(world, db):
    with pytest.raises(InvalidInput) as refused:
        file_as(world, "resident_a", household="CA/1/1/102", inside_home=True)
    assert refused.value.fields == {"household": "unknown"}
    # Staff serving the community may (a manager entering a neighbour's report).
    ticket = file_as(world, "manager_a", household="CA/1/1/102", inside_home=True)
    assert ticket.household_id == world.households["CA/1/1/102"].id
    assert ticket.routing_reason == "owner_side"


def test_household_relative_codes(world, db):
    ticket = file_as(world, "resident_a", building="1", unit="1", household="101",
                     inside_home=True)
    assert ticket.household_id == world.households["CA/1/1/101"].id
    assert ticket.unit_id == world.households["CA/1/1/101"].unit_id
    assert ticket.building_id is not None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"category": "teleport"}, "category"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 2001}, "description"),
        ({"priority": "asap"}, "priority"),
        ({"priority": ["urgent"]}, "priority"),
        ({"category": ["gas"]}, "category"),
        ({"community": {"code": "CA"}}, "community"),
        ({"building": 1}, "building"),
        ({"building": "99"}, "building"),
        ({"unit": "1"}, "building"),
        ({"building": "1", "unit": "9"}, "unit"),
        ({"household": "CB/1/1/101"}, "household"),
        ({"inside_home": "yes"}, "inside_home"),
    ],
)
def test_bad_input_is_refused(world, db, fields, field):
    with pytest.raises(InvalidInput) as refused:
        file_as(world, "resident_a", **fields)
    assert field in refused.value.fields


def test_sysadmin_does_not_file(world, db):
    with pytest.raises(Forbidden):
        file_as(world, "sysadmin")


# --- hotline calls and reported_at -----------------------------------------------------


def test_hotline_call_entered_by_a_street_officer(world, db):
    called = NOW - timedelta(hours=3)
    ticket = file_as(world, "officer", caller={"name": "王大爷", "phone": "13912345678"},
                     reported_at=called.isoformat())
    assert ticket.reporter_id is None
    assert ticket.filed_by_id == world.users["officer"].id
    assert (ticket.reporter_name, ticket.reporter_phone) == ("王大爷", "13912345678")
    assert ticket.channel.value == "hotline"
    assert ticket.reported_at == called
    # Water is urgent by default: the windows run from the call.
    assert ticket.due_respond_at == called + timedelta(hours=2)
    assert ticket.due_resolve_at == called + timedelta(hours=48)


@pytest.mark.parametrize(
    "reported_at",
    [NOW + timedelta(minutes=1), NOW - timedelta(days=30, seconds=1), "yesterday", 12],
)
def test_hotline_reported_at_in_the_future_or_too_old_is_refused(world, db, reported_at):
    value = reported_at.isoformat() if hasattr(reported_at, "isoformat") else reported_at
    with pytest.raises(InvalidInput) as refused:
        file_as(world, "officer", caller={"name": "王大爷", "phone": "13912345678"},
                reported_at=value)
    assert set(refused.value.fields) == {"reported_at"}


def test_hotline_reported_at_thirty_days_back_is_honoured(world, db):
    called = NOW - timedelta(days=30)
    ticket = file_as(world, "officer", caller={"name": "王大爷"}, reported_at=called)
    assert ticket.reported_at == called and ticket.reporter_phone is None


def test_a_residents_reported_at_is_ignored(world, db):
    ticket = file_as(world, "resident_a", reported_at=(NOW - timedelta(days=2)).isoformat())
    assert ticket.reported_at == NOW
    assert ticket.channel.value == "web"


def test_only_hotline_staff_enter_calls(world, db):
    with pytest.raises(Forbidden):
        file_as(world, "resident_a", caller={"name": "别人", "phone": "13900000000"})
    with pytest.raises(Forbidden):
        file_as(world, "manager_a", caller={"name": "别人", "phone": "13900000000"})


@pytest.mark.parametrize(
    "caller",
    [{"phone": "13900000000"}, {"name": "王", "phone": "call me"}, "王大爷"],
)
def test_bad_caller_is_refused(world, db, caller):
    with pytest.raises(InvalidInput):
        file_as(world, "officer", caller=caller)


def test_reporter_is_the_residents_person(world, db):
    ticket = file_as(world, "resident_a")
    assert ticket.reporter_id == world.users["resident_a"].id
    assert (ticket.reporter_name, ticket.reporter_phone) == ("业主甲", "13800000101")


# --- priority and deadlines ------------------------------------------------------------


def test_deadlines_from_the_default_policy(world, db):
    lighting = file_as(world, "resident_a", category="lighting", description="路灯不亮")
    assert lighting.priority.value == "normal"
    assert lighting.due_respond_at == NOW + timedelta(hours=24)
    assert lighting.due_resolve_at == NOW + timedelta(days=7)
    burst = file_as(world, "resident_a", description="楼下爆管了")
    assert burst.priority.value == "emergency"
    assert burst.due_respond_at == NOW + timedelta(minutes=30)
    explicit = file_as(world, "resident_a", category="lighting", priority="urgent")
    assert explicit.due_respond_at == NOW + timedelta(hours=2)


def test_deadlines_from_a_region_setting_and_an_organisation_override(world, db):
    setting("ticket_deadlines", {
        "normal": {"respond": 60, "resolve": 600},
        "organizations": {"K-1": {"normal": {"respond": 10, "resolve": 100}}},
    }, scope="D1")
    # A setting for another district does not apply in CA.
    setting("ticket_deadlines", {"normal": {"respond": 1, "resolve": 2}}, scope="D2")
    db.session.commit()
    lighting = file_as(world, "resident_a", category="lighting", description="路灯不亮")
    assert lighting.due_respond_at == NOW + timedelta(minutes=60)
    assert lighting.due_resolve_at == NOW + timedelta(minutes=600)
    roof = file_as(world, "resident_a", category="roof_leak", building="1", description="漏")
    assert roof.assignee.code == "K-1"
    assert roof.due_respond_at == NOW + timedelta(minutes=10)
    assert roof.due_resolve_at == NOW + timedelta(minutes=100)


def test_the_nearest_region_setting_wins(world, db):
    setting("ticket_deadlines", {"normal": {"respond": 60, "resolve": 600}}, scope="BT")
    setting("ticket_deadlines", {"normal": {"respond": 5, "resolve": 50}}, scope="S1")
    db.session.commit()
    ticket = file_as(world, "resident_a", category="lighting", description="路灯不亮")
    assert ticket.due_respond_at == NOW + timedelta(minutes=5)


def test_a_broken_setting_falls_back_to_the_defaults(world, db):
    setting("ticket_deadlines", {"normal": {"respond": 60, "resolve": 6}}, scope="D1")
    db.session.commit()
    ticket = file_as(world, "resident_a", category="lighting", description="路灯不亮")
    assert ticket.due_respond_at == NOW + timedelta(hours=24)


# --- notifications and audit -----------------------------------------------------------


def test_the_assignees_staff_are_notified(world, db):
    ticket = file_as(world, "resident_a")
    assert notified(db, ticket) == {"new": {"operator_in"}}
    row = db.session.scalars(
        select(Notification).where(Notification.ticket_id == ticket.id)).one()
    assert row.data["number"] == ticket.number and row.read_at is None


def test_gas_tells_the_manager_too(world, db):
    ticket = file_as(world, "resident_a", category="gas", description="燃气味")
    assert notified(db, ticket) == {"new": {"gas_staff"}, "gas_notice": {"manager_a"}}


def test_gas_in_a_community_without_a_manager_tells_only_the_operator(world, db):
    ticket = file_as(world, "resident_ac", community="CC", category="gas", description="燃气味")
    assert ticket.assignee.code == "G-D1"
    assert notified(db, ticket) == {"new": {"gas_staff"}}


def test_filing_is_audited(world, db):
    ticket = file_as(world, "resident_a")
    record = db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == "ticket_filed",
                                  AuditRecord.object_key == ticket.number)).one()
    assert record.actor == "resident_a"
    assert record.data == {"category": "water_supply", "community": "CA", "assignee": "W-D1",
                           "reason": "maintainer", "priority": "urgent", "channel": "web"}
    # No phone number in the trail (docs/reliability.md#audit).
    assert "13800000101" not in str(record.data)


@contextmanager
def statements(db):
    """The statements the session's connection runs while the block runs."""
    counted = []

    def count(_conn, _cursor, statement, *_args):
        counted.append(statement)

    connection = db.session.connection()
    event.listen(connection, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        event.remove(connection, "before_cursor_execute", count)


def test_the_filed_ticket_is_whole_and_as_stored(world, db):
    """The ticket is written without the unit of work's flush and joins the session as if
    loaded: every column reads without a statement, as the database holds it, and the
    ticket changes like any loaded one (its version checked)."""
    ticket = file_ticket(db.session, world.users["officer"], category="water_supply",
                         community="CA", building="1", description="楼道水管漏水",
                         caller={"name": "王先生", "phone": "13900000001"})
    columns = [column.key for column in Ticket.__table__.columns]
    with statements(db) as counted:
        held = {key: getattr(ticket, key) for key in columns}
    assert counted == []
    assert ticket not in db.session.dirty and ticket not in db.session.new
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Ticket, ticket.id)
    assert {key: getattr(stored, key) for key in columns} == held
    assert [event_.action for event_ in stored.events] == ["file"]
    stored.escalation_level = 1
    db.session.commit()
    assert stored.version == 2


# --- a bounded number of statements whatever the register's size -----------------------


def _statements_to_file(db, world, asset_code) -> int:
    db.session.commit()
    db.session.expire_all()
    with statements(db) as counted:
        file_ticket(db.session, world.users["resident_a"], category="elevator", community="CA",
                    description="电梯异响", asset=asset_code)
        db.session.flush()
    return len(counted)


def _add_elevators(db, world, start, count):
    ca = world.communities["CA"]
    for number in range(start, start + count):
        asset = Asset(code=f"EL-{number:04d}", name=f"电梯{number}", category="elevator",
                      community=ca)
        db.session.add(asset)
        db.session.add(AssetMaintainer(asset=asset, organization=world.orgs["K-1"],
                                       start=date(2020, 1, 1), end=date(2022, 12, 31)))
        db.session.add(AssetMaintainer(asset=asset, organization=world.orgs["T-2"],
                                       start=date(2023, 1, 1)))
    db.session.flush()


def test_filing_costs_the_same_statements_for_5_or_300_assets(world, db):
    _add_elevators(db, world, 0, 5)
    small = _statements_to_file(db, world, "EL-0000")
    _add_elevators(db, world, 5, 295)
    large = _statements_to_file(db, world, "EL-0001")
    assert small == large, (small, large)
    tickets = db.session.scalars(select(Ticket).where(Ticket.category == "elevator")).all()
    assert [t.assignee.code for t in tickets] == ["T-2", "T-2"]


def test_clock_is_the_worlds(world):
    assert clock.now() == NOW


# --- who sees which ticket -------------------------------------------------------------


def test_visible_tickets_and_the_queue(world, db):
    water = file_as(world, "resident_a")
    lighting = file_as(world, "resident_a", category="lighting", description="路灯不亮")
    call = file_as(world, "officer", caller={"name": "王大爷"}, community="CA",
                   category="lighting", description="路灯")
    elsewhere = file_as(world, "resident_ac", community="CC", category="lighting",
                        description="没灯")

    def seen(login, **filters):
        query = visible_tickets(world.users[login], **filters)
        return {t.id for t in db.session.scalars(query)}

    assert seen("resident_a") == {water.id, lighting.id}
    assert seen("resident_b") == set()
    assert seen("operator_in") == {water.id}
    assert seen("operator_out") == set()
    assert seen("manager_a") == {water.id, lighting.id, call.id}
    assert seen("officer") == {water.id, lighting.id, call.id}
    assert seen("bureau") == {water.id, lighting.id, call.id, elsewhere.id}
    assert seen("officer_s3") == {elsewhere.id}
    assert seen("bureau", community="CC") == {elsewhere.id}
    assert seen("bureau", assignee="PM-A") == {lighting.id, call.id}
    assert seen("bureau", category="water_supply") == {water.id}
    assert seen("bureau", status="assigned") == seen("bureau")
    assert seen("bureau", date_from=NOW.date(), date_to=NOW.date()) == seen("bureau")
    assert seen("bureau", date_from=NOW.date() + timedelta(days=1)) == set()
    with pytest.raises(InvalidInput):
        seen("bureau", status="lost")
    queue = db.session.scalars(open_queue(world.users["manager_a"])).all()
    assert [t.id for t in queue] == sorted([lighting.id, call.id],
                                           key=lambda i: db.session.get(Ticket, i).due_resolve_at)
    assert [t.id for t in db.session.scalars(open_queue(world.users["operator_in"]))] == [
        water.id]


def test_get_ticket_or_404(world, db):
    ticket = file_as(world, "resident_a")
    assert get_ticket_or_404(db.session, world.users["operator_in"], ticket.id) is ticket
    assert get_ticket_or_404(db.session, world.users["resident_a"], str(ticket.id)) is ticket
    for login, key in [("resident_b", ticket.id), ("operator_out", ticket.id),
                       ("resident_a", "abc"), ("resident_a", None), ("resident_a", -1),
                       ("resident_a", 2**64), ("resident_a", ticket.id + 1000)]:
        with pytest.raises(NotFound):
            get_ticket_or_404(db.session, world.users[login], key)
