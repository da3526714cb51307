"""The follow-up call pages (docs/domain.md#callbacks): the street office's call list, the
call form on the list and on the ticket page, the trail, and the measures page's card."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from pmsys import clock
from pmsys.extensions import db
from pmsys.models.tickets import TicketCallback
from tests.api.test_ticket_callbacks_api import close
from tests.asset_factories import setting
from tests.conftest import csrf_token
from tests.ticket_world import build_ticket_world, file_as


@pytest.fixture
def world(db):
    world = build_ticket_world()
    setting("callback_sample_percent", 100)
    db.session.commit()
    with clock.frozen(datetime(2025, 5, 20, 10, tzinfo=clock.LOCAL_TZ)):
        world.closed = close(world, file_as(world, "resident_a"), rating=3)
    return world


def test_the_office_calls_from_its_list(client, login_as, world):
    ticket = world.closed
    login_as(world.users["officer"])
    page = client.get("/callbacks")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'href="/tickets/{ticket.id}"' in html and 'href="/callbacks"' in html
    phone = ticket.reporter_phone or world.users["resident_a"].person.phone
    assert f'href="tel:{phone}"' in html
    answer = client.post(f"/tickets/{ticket.id}/callbacks", data={
        "result": "dissatisfied", "note": "修得太慢", "back": "list",
        "csrf_token": csrf_token(client, "/callbacks")})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/callbacks")
    call = db.session.scalars(select(TicketCallback)).one()
    assert (call.reached, call.satisfied, call.note) == (True, False, "修得太慢")
    listed = client.get("/callbacks").get_data(as_text=True)  # the flash names the ticket
    assert f'href="/tickets/{ticket.id}"' not in listed
    detail = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'id="callbacks"' in detail and "修得太慢" in detail
    assert f'action="/tickets/{ticket.id}/callbacks"' not in detail  # reached: no more form


def test_the_ticket_page_offers_the_call_to_the_office_only(client, login_as, world):
    ticket = world.closed
    login_as(world.users["manager_a"])
    assert 'id="callbacks"' not in client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    refused = client.post(f"/tickets/{ticket.id}/callbacks", data={
        "result": "not_reached", "csrf_token": csrf_token(client, "/")})
    assert refused.status_code == 403
    assert client.get("/callbacks").status_code == 403
    login_as(world.users["officer"])
    detail = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert f'action="/tickets/{ticket.id}/callbacks"' in detail
    bad = client.post(f"/tickets/{ticket.id}/callbacks", data={
        "result": "maybe", "csrf_token": csrf_token(client, "/")})
    assert bad.status_code == 400
    done = client.post(f"/tickets/{ticket.id}/callbacks", data={
        "result": "not_reached", "csrf_token": csrf_token(client, "/")})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/tickets/{ticket.id}")
    assert db.session.scalars(select(TicketCallback)).one().reached is False


def test_the_measures_page_shows_the_calls(client, login_as, world):
    ticket = world.closed
    login_as(world.users["officer"])
    client.post(f"/tickets/{ticket.id}/callbacks", data={
        "result": "satisfied", "csrf_token": csrf_token(client, "/")})
    login_as(world.users["bureau"])
    html = client.get("/reports/tickets?from=2025-05-01&to=2025-05-31").get_data(as_text=True)
    assert 'id="callbacks"' in html
    empty = client.get("/reports/tickets?from=2025-04-01&to=2025-04-30").get_data(as_text=True)
    assert 'id="callbacks"' not in empty


def test_the_measures_export_holds_the_calls_in_a_sheet_of_their_own(client, login_as, world):
    ticket = world.closed
    login_as(world.users["officer"])
    client.post(f"/tickets/{ticket.id}/callbacks", data={
        "result": "satisfied", "csrf_token": csrf_token(client, "/")})
    login_as(world.users["bureau"])
    response = client.get("/reports/tickets.xlsx?from=2025-05-01&to=2025-05-31")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.data))
    assert len(book.worksheets) == 3
    rows = [list(row) for row in book.worksheets[2].iter_rows(values_only=True)]
    assert rows[0] == ["编号", "单位", "接通的回访", "回访满意", "满意率"]
    assignee = db.session.get(type(ticket), ticket.id).assignee
    assert rows[1:] == [[assignee.code, assignee.name, 1, 1, 1], [None, "全部回访", 1, 1, 1]]
    # A period without calls keeps the two sheets of the measures.
    empty = client.get("/reports/tickets.xlsx?from=2025-04-01&to=2025-04-30")
    assert len(load_workbook(BytesIO(empty.data)).worksheets) == 2
