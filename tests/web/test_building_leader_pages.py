"""The pages of building leaders and grid workers (docs/domain.md#building-leaders): the daily
page, filing for a household (with a photo), the visit form on the ticket page, and the street
office's assignment page."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from pmsys.extensions import db
from pmsys.models.leaders import BuildingAssignment, TicketVisit
from pmsys.models.tickets import Channel, Ticket, TicketPhoto
from tests.access_tickets import tiny_png
from tests.conftest import csrf_token
from tests.ticket_world import build_ticket_world, file_as


@pytest.fixture
def world(db):
    return build_ticket_world()


def test_the_daily_page_lists_the_open_tickets_of_ones_buildings(client, login_as, world):
    mine = file_as(world, "resident_a", building="1", description="楼道灯坏")
    other = file_as(world, "tenant_a", building="2", description="二号楼漏水")
    login_as(world.users["leader_a"])
    client.set_cookie("lang", "en")
    html = client.get("/").get_data(as_text=True)
    assert f'href="/tickets/{mine.id}"' in html
    assert f'href="/tickets/{other.id}"' not in html
    assert 'href="/proxy-tickets/new?household=CA/1/1/101"' in html
    assert 'href="/communities"' not in html  # no community pages for them
    login_as(world.users["grid_a"])
    html = client.get("/").get_data(as_text=True)
    assert f'href="/tickets/{mine.id}"' in html and f'href="/tickets/{other.id}"' in html


def test_a_leader_files_for_a_household_with_a_photo(client, login_as, world):
    login_as(world.users["leader_a"])
    form = client.get("/proxy-tickets/new").get_data(as_text=True)
    assert 'value="CA/1/1/101"' in form and 'value="CA/1/1/102"' in form
    assert 'value="CA/2/1/201"' not in form  # building 2 is not the leader's
    answer = client.post("/proxy-tickets/new", data={
        "household": "CA/1/1/102", "inside_home": "y", "category": "water_supply",
        "description": "老人家中水管漏水", "priority": "",
        "photos": [(io.BytesIO(tiny_png()), "leak.png")],
        "csrf_token": csrf_token(client, "/")}, content_type="multipart/form-data")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    ticket = db.session.scalars(select(Ticket).where(Ticket.channel == Channel.proxy)).one()
    assert answer.headers["Location"].endswith(f"/tickets/{ticket.id}")
    assert ticket.reporter_id == world.users["resident_ac"].id
    assert ticket.filed_by_id == world.users["leader_a"].id and ticket.inside_home
    assert db.session.scalars(select(TicketPhoto).where(
        TicketPhoto.ticket_id == ticket.id)).one().purpose == "report"


def test_a_household_outside_the_buildings_is_no_valid_choice(client, login_as, world):
    login_as(world.users["leader_a"])
    answer = client.post("/proxy-tickets/new", data={
        "household": "CA/2/1/201", "category": "water_supply", "description": "漏水",
        "csrf_token": csrf_token(client, "/")})
    assert answer.status_code == 400
    assert not db.session.scalars(select(Ticket)).all()


def test_the_visit_form_is_on_the_ticket_page_of_its_buildings_leader(client, login_as, world):
    ticket = file_as(world, "resident_a", building="1", description="楼道灯坏")
    login_as(world.users["officer"])
    assert 'id="visits"' not in client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    login_as(world.users["leader_a"])
    client.set_cookie("lang", "en")
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert f'action="/tickets/{ticket.id}/visits"' in page
    assert "138****0101" in page  # the reporter's phone, masked
    answer = client.post(f"/tickets/{ticket.id}/visits", data={
        "visited_on": "2025-06-02", "outcome": "resolved", "note": "灯已修好",
        "csrf_token": csrf_token(client, "/")})
    assert answer.status_code == 302
    assert db.session.scalars(select(TicketVisit)).one().note == "灯已修好"
    login_as(world.users["officer"])
    staff = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "灯已修好" in staff and "Visited on 2025-06-02" in staff
    login_as(world.users["resident_a"])
    assert "灯已修好" not in client.get(f"/tickets/{ticket.id}").get_data(as_text=True)


def test_a_visit_in_the_future_is_refused_on_the_page(client, login_as, world):
    ticket = file_as(world, "resident_a", building="1", description="楼道灯坏")
    login_as(world.users["leader_a"])
    answer = client.post(f"/tickets/{ticket.id}/visits", data={
        "visited_on": "2025-07-01", "outcome": "resolved",
        "csrf_token": csrf_token(client, "/")})
    assert answer.status_code == 400
    assert not db.session.scalars(select(TicketVisit)).all()


def test_the_street_office_assigns_and_ends_on_its_page(client, login_as, world):
    login_as(world.users["officer"])
    client.set_cookie("lang", "en")
    page = client.get("/communities/CA/building-leaders").get_data(as_text=True)
    assert "leader_a" in page and "grid_a" in page
    answer = client.post("/communities/CA/building-leaders", data={
        "kind": "building-leaders", "user": "leader_a", "buildings": "2", "start": "",
        "csrf_token": csrf_token(client, "/")})
    assert answer.status_code == 302
    held = set(db.session.scalars(select(BuildingAssignment.building_id).where(
        BuildingAssignment.user_id == world.users["leader_a"].id)))
    assert len(held) == 2
    ended = client.post("/communities/CA/building-leaders/end", data={
        "kind": "grids", "user": "grid_a", "csrf_token": csrf_token(client, "/")})
    assert ended.status_code == 302
    assert all(row.end is not None for row in db.session.scalars(select(BuildingAssignment)
               .where(BuildingAssignment.user_id == world.users["grid_a"].id)))
    refused = client.post("/communities/CA/building-leaders", data={
        "kind": "building-leaders", "user": "nobody", "buildings": "1",
        "csrf_token": csrf_token(client, "/")})
    assert refused.status_code == 400
