"""Building leaders and grid workers through the API (docs/api.md#building-leaders):
assignment by the street office, filing for a household, their buildings' open tickets,
follow-up visits, what they may not see."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pmsys.extensions import db
from pmsys.models.audit import AuditRecord
from pmsys.models.leaders import BuildingAssignment, TicketVisit
from pmsys.models.tickets import Notification, Ticket
from tests.api.asset_world import Caller
from tests.api.test_request_costs import counted
from tests.ticket_world import build_ticket_world, file_as

LEAK = {"household": "CA/1/1/101", "category": "water_supply",
        "description": "老人家中水管漏水"}


@pytest.fixture
def api(client, db):
    return Caller(client, build_ticket_world())


@pytest.fixture
def world(api):
    return api.world


def audit_actions(action: str) -> list[AuditRecord]:
    return list(db.session.scalars(select(AuditRecord).where(AuditRecord.action == action)
                                   .order_by(AuditRecord.id)))  # in the order written


def test_a_leader_files_for_a_household_of_their_building_and_the_household_owns_it(api, world):
    response = api.post("leader_a", "/proxy-tickets", LEAK)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["channel"] == "proxy"
    assert (body["community"], body["building"], body["household"]) == ("CA", "1", "101")
    ticket = db.session.get(Ticket, body["id"])
    assert ticket.reporter_id == world.users["resident_a"].id  # the owner's login
    assert ticket.filed_by_id == world.users["leader_a"].id
    assert ticket.reporter_name == "业主甲"
    # The owner is told, and sees it as their own ticket.
    told = db.session.scalars(select(Notification.user_id).where(
        Notification.ticket_id == ticket.id, Notification.kind == "filed")).all()
    assert told == [world.users["resident_a"].id]
    mine = api.get("resident_a", f"/tickets/{ticket.id}")
    assert mine.status_code == 200
    assert "cancel" in mine.get_json()["allowed_actions"]
    # The leader reads the ticket with the reporter's phone masked.
    seen = api.get("leader_a", f"/tickets/{ticket.id}").get_json()
    assert seen["reporter"]["phone"] == "138****0101"
    # Routed like any ticket: the same assignee as the owner's own filing.
    own = file_as(world, "resident_a", household="CA/1/1/101", inside_home=True,
                  description="家中水管漏水")
    assert ticket.assignee_id == own.assignee_id
    assert audit_actions("ticket_filed")[0].data["channel"] == "proxy"


def test_the_answer_to_a_proxy_filing_is_the_ticket_as_read_afterwards(api, world):
    """Written from what the filing wrote (its place from the household), the answer is the
    ticket exactly as GET then shows it to the leader."""
    filed = api.post("leader_a", "/proxy-tickets", LEAK)
    assert filed.status_code == 201, filed.get_json()
    shown = api.get("leader_a", f"/tickets/{filed.get_json()['id']}")
    assert shown.status_code == 200
    assert filed.get_json() == shown.get_json()


def test_every_resident_login_of_the_household_sees_a_proxy_ticket(api, world):
    body = dict(LEAK, household="CA/2/1/201")  # tenant_a lives there; the owner has no login
    response = api.post("grid_a", "/proxy-tickets", body)
    assert response.status_code == 201, response.get_json()
    ticket_id = response.get_json()["id"]
    ticket = db.session.get(Ticket, ticket_id)
    assert ticket.reporter_id == world.users["tenant_a"].id
    assert api.get("tenant_a", f"/tickets/{ticket_id}").status_code == 200
    assert api.get("resident_a", f"/tickets/{ticket_id}").status_code == 404


@pytest.mark.parametrize(("who", "household", "status", "code"), [
    ("leader_a", "CA/2/1/201", 404, "household_not_found"),  # building 2 is not the leader's
    ("leader_a", "CB/1/1/101", 404, "household_not_found"),
    ("leader_a", "CA/9/9/999", 404, "household_not_found"),
    ("leader_a", "CA/1/101", 400, "invalid_input"),
    ("resident_a", "CA/1/1/101", 403, "may_not_file"),
    ("officer", "CA/1/1/101", 403, "may_not_file"),
])
def test_filing_for_a_household_outside_ones_buildings_is_refused(api, world, who, household,
                                                                   status, code):
    before = db.session.scalar(select(Ticket.id).order_by(Ticket.id.desc()).limit(1))
    response = api.post(who, "/proxy-tickets", dict(LEAK, household=household))
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert db.session.scalar(select(Ticket.id).order_by(Ticket.id.desc()).limit(1)) == before


def test_a_household_of_other_buildings_answers_like_a_missing_one(api, world):
    other = api.post("leader_a", "/proxy-tickets", dict(LEAK, household="CA/2/1/201"))
    missing = api.post("leader_a", "/proxy-tickets", dict(LEAK, household="CA/2/1/299"))
    assert other.get_json()["error"]["message"].replace("201", "X") == (
        missing.get_json()["error"]["message"].replace("299", "X"))


def test_leaders_do_not_file_through_the_ordinary_route(api):
    body = {"category": "water_supply", "community": "CA", "description": "漏水"}
    assert api.post("leader_a", "/tickets", body).status_code == 403


def test_building_tickets_list_the_open_tickets_of_ones_buildings_only(api, world):
    in_1 = file_as(world, "resident_a", building="1", description="楼道灯坏")
    in_2 = file_as(world, "tenant_a", building="2", description="二号楼漏水")
    file_as(world, "resident_a", description="小区水管漏水")  # no building: nobody's
    file_as(world, "resident_b", community="CB", building="1", description="别的小区")
    leader = api.get("leader_a", "/building-tickets").get_json()
    assert {item["id"] for item in leader["items"]} == {in_1.id}
    grid = api.get("grid_a", "/building-tickets").get_json()
    assert {item["id"] for item in grid["items"]} == {in_1.id, in_2.id}
    assert all("*" in (item["reporter"]["phone"] or "*") for item in grid["items"])
    # The ordinary list agrees (their buildings' tickets are all they see).
    listed = api.get("grid_a", "/tickets?per_page=100").get_json()
    assert {item["id"] for item in listed["items"]} == {in_1.id, in_2.id}
    assert api.get("officer", "/building-tickets").status_code == 403


def test_the_building_tickets_list_costs_the_same_for_two_and_for_twenty(api, world):
    api.get("grid_a", "/building-tickets")  # the token, issued and first used
    for n in range(2):
        file_as(world, "resident_a", building="1", description=f"楼道灯坏 {n}")
    with counted() as few:
        assert len(api.get("grid_a", "/building-tickets").get_json()["items"]) == 2
    for n in range(18):
        file_as(world, "tenant_a", building="2", description=f"二号楼漏水 {n}")
    with counted() as many:
        assert len(api.get("grid_a", "/building-tickets").get_json()["items"]) == 20
    assert len(few) == len(many)


def test_a_grid_worker_sees_neither_the_office_queue_nor_its_notifications(api, world):
    hotline = file_as(world, "officer", category="lighting", description="路灯坏",
                      caller={"name": "来电人", "phone": "13900000001"})
    assert api.get("grid_a", f"/tickets/{hotline.id}").status_code == 404
    assert not db.session.scalars(select(Notification).where(
        Notification.user_id == world.users["grid_a"].id)).all()


def test_a_visit_is_recorded_audited_and_joins_the_trail(api, world):
    ticket = file_as(world, "resident_a", building="1", description="楼道灯坏")
    body = {"visited_on": "2025-06-02", "outcome": "not_home", "note": "敲门无人"}
    response = api.post("leader_a", f"/tickets/{ticket.id}/visits", body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["outcome"] == "not_home"
    visit = db.session.scalars(select(TicketVisit)).one()
    assert visit.visitor_id == world.users["leader_a"].id
    assert audit_actions("ticket_visited")[0].data == {"visited_on": "2025-06-02",
                                                       "outcome": "not_home"}
    staff = api.get("officer", f"/tickets/{ticket.id}").get_json()
    assert [e["action"] for e in staff["events"]][-1] == "visit"
    resident = api.get("resident_a", f"/tickets/{ticket.id}").get_json()
    assert "visit" not in [e["action"] for e in resident["events"]]
    listed = api.get("officer", f"/tickets/{ticket.id}/visits").get_json()
    assert [item["note"] for item in listed["items"]] == ["敲门无人"]


@pytest.mark.parametrize(("who", "body", "status"), [
    ("officer", {"outcome": "resolved"}, 403),  # sees the ticket, not its building's leader
    ("leader_a", {"outcome": "maybe"}, 400),
    ("leader_a", {"outcome": "resolved", "visited_on": "2025-06-03"}, 400),  # tomorrow
    ("leader_a", {"outcome": "resolved", "visited_on": "2025-05-01"}, 400),  # before it
    ("resident_b", {"outcome": "resolved"}, 404),
])
def test_bad_or_foreign_visits_are_refused_and_change_nothing(api, world, who, body, status):
    ticket = file_as(world, "resident_a", building="1", description="楼道灯坏")
    response = api.post(who, f"/tickets/{ticket.id}/visits", body)
    assert response.status_code == status
    assert not db.session.scalars(select(TicketVisit)).all()


def test_a_leader_of_another_building_may_not_visit(api, world):
    ticket = file_as(world, "tenant_a", building="2", description="二号楼漏水")
    assert api.post("leader_a", f"/tickets/{ticket.id}/visits",
                    {"outcome": "resolved"}).status_code == 404
    assert api.post("grid_a", f"/tickets/{ticket.id}/visits",
                    {"outcome": "resolved"}).status_code == 201


def test_the_street_office_assigns_and_ends_buildings(api, world):
    response = api.post("officer", "/communities/CA/building-leaders",
                        {"user": "leader_a", "buildings": ["1", "2"]})
    assert response.status_code == 201, response.get_json()
    held = {(item["user"], item["building"]) for item in response.get_json()["items"]}
    assert held == {("leader_a", "1"), ("leader_a", "2")}  # building 1 kept, not doubled
    assert audit_actions("buildings_assigned")[0].data["buildings"] == ["2"]
    ticket = file_as(world, "tenant_a", building="2", description="二号楼漏水")
    assert api.get("leader_a", f"/tickets/{ticket.id}").status_code == 200
    ended = api.post("officer", "/communities/CA/building-leaders/end",
                     {"user": "leader_a", "buildings": ["2"], "end": "2025-06-02"})
    assert ended.get_json() == {"ended": 1}
    assert audit_actions("buildings_unassigned")
    again = api.post("officer", "/communities/CA/building-leaders/end",
                     {"user": "leader_a", "buildings": ["2"]})
    assert again.status_code == 409
    rows = db.session.scalars(select(BuildingAssignment).where(
        BuildingAssignment.user_id == world.users["leader_a"].id)).all()
    assert len(rows) == 2 and all(row.end is None or row.end.isoformat() == "2025-06-02"
                                  for row in rows)


@pytest.mark.parametrize(("path", "body", "code"), [
    ("/communities/CA/building-leaders", {"user": "grid_a", "buildings": ["1"]},
     "user_not_assignable"),  # a grid worker is not a building leader
    ("/communities/CA/grids", {"user": "leader_a", "buildings": ["1"]}, "user_not_assignable"),
    ("/communities/CA/building-leaders", {"user": "leader_a", "buildings": ["9"]},
     "invalid_input"),
    ("/communities/CA/building-leaders",
     {"user": "leader_a", "buildings": ["2"], "start": "2025-01-01"}, "invalid_input"),
])
def test_bad_assignments_are_refused(api, world, path, body, code):
    response = api.post("officer", path, body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code
    assert not audit_actions("buildings_assigned")


def test_a_grid_worker_of_another_office_is_not_assignable(api, world):
    # CC's community office assigns for CC; SO-S1's grid worker does not serve CC.
    response = api.post("office_officer", "/communities/CC/grids",
                        {"user": "grid_a", "buildings": ["1"]})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "user_not_assignable"
