"""In-app notifications through the pages: the menu's count, the list, marking read."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pmsys.models.tickets import Notification
from tests.ticket_world import build_ticket_world, file_as
from tests.web.ticket_browser import Browser, text


@pytest.fixture
def world(db):
    world = build_ticket_world()
    for user in world.users.values():
        user.locale = "en"
    db.session.commit()
    return world


@pytest.fixture
def web(client, login_as, world):
    return Browser(client, login_as, world)


def menu_count(response) -> int | None:
    match = re.search(r'<span class="nav-count"[^>]*>(\d+)</span>', text(response))
    return int(match.group(1)) if match else None


def notes_of(db, user) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)))


def test_the_assignee_is_told_of_a_new_ticket_and_marks_it_read(web, db, world):
    operator = world.users["operator_in"]
    assert menu_count(web.get("operator_in", "/")) is None
    ticket = file_as(world, "resident_a")

    home = web.get("operator_in", "/")
    assert menu_count(home) == 1
    page = web.get("operator_in", "/notifications")
    assert page.status_code == 200
    body = text(page)
    assert f"New ticket {ticket.number} for your organisation" in body
    assert f'href="/tickets/{ticket.id}"' in body
    assert 'class="notification unread"' in body

    note = notes_of(db, operator)[0]
    response = web.post("operator_in", "/notifications/read", id=str(note.id))
    assert response.status_code == 302
    assert response.headers["Location"] == "/notifications"
    assert notes_of(db, operator)[0].read_at is not None
    after = web.get("operator_in", "/notifications")
    assert 'class="notification read"' in text(after)
    assert menu_count(after) is None


def test_the_reporter_hears_of_each_status_change_and_marks_all_read(web, db, world):
    ticket = file_as(world, "resident_a")
    web.act("operator_in", ticket, "accept")
    web.act("operator_in", ticket, "start")
    resident = world.users["resident_a"]
    assert len(notes_of(db, resident)) == 2
    page = text(web.get("resident_a", "/notifications"))
    assert f"Ticket {ticket.number} is now accepted" in page
    assert f"Ticket {ticket.number} is now in progress" in page
    assert menu_count(web.get("resident_a", "/notifications")) == 2

    response = web.post("resident_a", "/notifications/read", next=f"/tickets/{ticket.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tickets/{ticket.id}"
    assert all(n.read_at is not None for n in notes_of(db, resident))


def test_nobody_marks_another_users_notification(web, db, world):
    file_as(world, "resident_a")
    note = notes_of(db, world.users["operator_in"])[0]
    assert web.post("resident_b", "/notifications/read", id=str(note.id)).status_code == 404
    assert web.post("resident_b", "/notifications/read", id="nonsense").status_code == 404
    assert notes_of(db, world.users["operator_in"])[0].read_at is None
    # Another user's "mark all" leaves it alone too, and an outside `next` is not followed.
    response = web.post("resident_b", "/notifications/read", next="https://evil.example/")
    assert response.headers["Location"] == "/notifications"
    assert notes_of(db, world.users["operator_in"])[0].read_at is None


def test_the_list_is_empty_for_a_new_user_and_needs_a_login(web, client):
    assert "No notifications yet." in text(web.get("resident_b", "/notifications"))
    web.client.delete_cookie("session")
    assert client.get("/notifications").status_code == 302


def test_a_ticket_reassigned_away_keeps_its_notice_without_a_link(web, db, world):
    ticket = file_as(world, "resident_a")
    web.act("operator_in", ticket, "dispute", note="不是我们的")
    web.act("officer", ticket, "reassign", org="PM-A", note="物业负责")
    page = text(web.get("operator_in", "/notifications"))
    assert f"New ticket {ticket.number}" in page
    assert f'href="/tickets/{ticket.id}"' not in page
    # The new assignee's staff are told, with the link.
    assert f'href="/tickets/{ticket.id}"' in text(web.get("manager_a", "/notifications"))
