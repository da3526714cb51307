"""A page of tickets is written as each ticket's own answer (docs/api.md#tickets), per login.

A page is written by one `ticket_writer` (the actor read once, the allowed actions worked out
once per state and parties): these tests hold it to what the one-ticket answer gives.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image

from pmsys import clock
from pmsys.auth import permissions
from pmsys.extensions import db
from pmsys.models.tickets import Ticket
from pmsys.tickets import photos, queries
from pmsys.tickets.services.actions import allowed_actions, take_action, ticket_parties
from pmsys.tickets.services.leaders import record_visit
from tests.api.asset_world import Caller
from tests.ticket_world import NOW, build_ticket_world, file_as


@pytest.fixture
def api(client, db):
    return Caller(client, build_ticket_world())


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, "PNG")
    return out.getvalue()


def varied_tickets(world, folder) -> list[Ticket]:
    """Tickets in every open state and some closed, of residents, staff and a hotline caller,
    with a visit, a photo and a hurry-up; the clock ends five days on (past deadlines)."""
    users = world.users
    clock.set_now(NOW)
    tickets = [
        file_as(world, "resident_a", building="1", description="漏水 1"),
        file_as(world, "resident_a", building="1", description="漏水 2"),
        file_as(world, "resident_a", building="1", description="漏水 3"),
        file_as(world, "resident_a", category="lighting", description="路灯"),
        file_as(world, "resident_a", category="gas", description="燃气味"),
        file_as(world, "resident_a", category="roof_leak", building="1", description="屋顶漏"),
        file_as(world, "officer", description="热线",
                caller={"name": "王大爷", "phone": "13900001234"}),
        file_as(world, "resident_b", community="CB", description="CB 漏水"),
        file_as(world, "bureau", community="CC", description="CC"),
    ]
    clock.set_now(NOW + timedelta(hours=2))
    operator = users["operator_in"]
    take_action(db.session, operator, tickets[0], "accept")
    take_action(db.session, operator, tickets[1], "accept")
    take_action(db.session, operator, tickets[1], "resolve", note="修好了")
    take_action(db.session, operator, tickets[2], "dispute", note="不是我们的")
    take_action(db.session, operator, tickets[6], "comment", note="看了")
    db.session.commit()
    record_visit(db.session, users["leader_a"], tickets[0], visited_on=NOW.date(),
                 outcome="not_home", note="没人")
    photos.add_photos(db.session, users["resident_a"], tickets[0], [png()], purpose="report",
                      parties=ticket_parties(db.session, users["resident_a"], tickets[0]),
                      upload_folder=folder)
    db.session.commit()
    clock.set_now(NOW + timedelta(days=5))
    take_action(db.session, users["resident_a"], tickets[3], "hurry")
    db.session.commit()
    clock.set_now(NOW + timedelta(days=5, hours=3))
    return tickets


def test_every_login_reads_a_page_as_each_tickets_own_answer_but_the_phone_masked(api,
                                                                                  tmp_path):
    world = api.world
    tickets = {ticket.id: ticket for ticket in varied_tickets(world, str(tmp_path))}
    seen_actions, masked = set(), 0
    for login, user in world.users.items():
        answer = api.get(login, "/tickets?per_page=100")
        assert answer.status_code == 200, login
        items = answer.get_json()["items"]
        expected_ids = sorted(db.session.scalars(
            queries.visible_tickets(user).with_only_columns(Ticket.id)), reverse=True)
        assert sorted((item["id"] for item in items), reverse=True) == expected_ids, login
        for item in items:
            ticket = tickets[item["id"]]
            alone = api.get(login, f"/tickets/{ticket.id}").get_json()
            phone = ticket.reporter_phone
            if phone and ticket.reporter_id != user.id:
                alone["reporter"]["phone"] = permissions.mask_phone(phone)
                masked += 1
            assert item == alone, (login, ticket.number)
            # The rule read on the stored ticket, the hurry-up asked through its refusal.
            assert item["allowed_actions"] == allowed_actions(db.session, user, ticket), (
                login, ticket.number)
            seen_actions.update(item["allowed_actions"])
    # The page covered what differs between tickets and logins.
    assert {"accept", "start", "hurry", "cancel", "confirm", "reassign", "uphold"} <= seen_actions
    assert masked


def test_a_page_offers_a_hurry_up_only_on_its_tickets_that_are_due(api):
    world = api.world
    clock.set_now(NOW)
    late = file_as(world, "resident_a", building="1", description="漏水 1")
    hurried = file_as(world, "resident_a", building="1", description="漏水 2")
    clock.set_now(NOW + timedelta(days=5))
    take_action(db.session, world.users["resident_a"], hurried, "hurry")
    fresh = file_as(world, "resident_a", building="1", description="漏水 3")
    db.session.commit()
    items = {item["id"]: item for item in api.get("resident_a", "/tickets").get_json()["items"]}
    # The same state and parties: only the deadlines and the last hurry-up tell them apart.
    assert {items[t.id]["status"] for t in (late, hurried, fresh)} == {"assigned"}
    assert items[late.id]["allowed_actions"] == ["cancel", "hurry", "comment"]
    assert items[hurried.id]["allowed_actions"] == ["cancel", "comment"]
    assert items[fresh.id]["allowed_actions"] == ["cancel", "comment"]
