"""Staff at work in a real browser at 390 px: an operator accepts and resolves a ticket,
the resident confirms it; an operator disputes one and the street officer rules on it.

The ticket world's routing (tests/ticket_world.py): water in CA goes to the utility W-D1
(login operator_in), lighting to the property company PM-A (manager_a); disputes in CA
are ruled on by the street office SO-S1 (officer). Each walk files its own ticket, as
resident_a, through the services; everything after that is done on the pages, and every
page reached is checked (check_page).
"""

from __future__ import annotations

from PIL import Image
from sqlalchemy import select

from pmsys.models.auth import User
from pmsys.models.tickets import Ticket, TicketStatus
from pmsys.tickets.services import file_ticket, take_action
from tests.browser.conftest import check_page, login

STATUS = {"assigned": "已派单", "accepted": "已受理", "disputed": "申诉中",
          "resolved": "已办结", "closed": "已关闭"}


def file_water_leak(live, description: str) -> dict:
    """resident_a reports a water leak in CA (routed to W-D1); the ticket's id and number."""
    with live.session() as session:
        resident = session.get(User, live.ids["users"]["resident_a"])
        ticket = file_ticket(session, resident, category="water_supply", community="CA",
                             building="1", description=description)
        session.commit()
        return {"id": ticket.id, "number": ticket.number}


def stored(live, ticket_id: int) -> Ticket:
    with live.session() as session:
        ticket = session.get(Ticket, ticket_id)
        session.expunge(ticket)
        return ticket


def log_in_as(walk, live, username: str) -> None:
    """Log out whoever is logged in, then log in as `username` (lands on the home page)."""
    page = walk.page
    if page.locator("form[action='/logout'] button").count():
        walk.tap("form[action='/logout'] button")
    else:
        walk.open(live.url("/login"))
    login(walk, username)
    assert page.url == live.url("/")
    check_page(page)


def open_from_the_queue(walk, live, username: str, ticket: dict, waiting: int) -> None:
    """Log in as `username`, whose home counts `waiting` open tickets; open this one."""
    page = walk.page
    log_in_as(walk, live, username)
    assert page.locator("#ticket-queue .count").inner_text() == str(waiting)
    walk.tap("#ticket-queue a")
    assert ticket["number"] in page.locator("#queue table.queue").inner_text()
    check_page(page)
    walk.tap(f"#queue a:text-is('{ticket['number']}')")
    assert page.url == live.url(f"/tickets/{ticket['id']}")
    check_page(page)


def assert_waits_for_acceptance_by(page, holder: str) -> None:
    """The ticket page shows it assigned to `holder`, accepting it the first thing to do."""
    assert shown_status(page) == STATUS["assigned"]
    assert handled_by(page) == holder
    assert page.locator("details.action-accept[open]").count() == 1


def shown_status(page) -> str:
    return page.locator("header.page-head h1 .badge").inner_text().strip()


def handled_by(page) -> str:
    return page.locator("#assignee .assignee-name strong").inner_text().strip()


def open_action(walk, name: str) -> None:
    """Unfold an action's panel unless it is the open one (the first) already."""
    if walk.page.locator(f"details.action-{name}[open]").count() == 0:
        walk.tap(f"details.action-{name} summary")


def test_the_operator_accepts_and_resolves_with_a_photo_and_the_resident_confirms(
        live, walk, tmp_path):
    page = walk.page
    ticket = file_water_leak(live, "楼道水管漏水，地面积水")

    with live.session() as session:
        utility = session.scalar(select(User).where(User.username == "operator_in"))
        utility_name = utility.organization.name
    open_from_the_queue(walk, live, "operator_in", ticket, waiting=1)
    assert_waits_for_acceptance_by(page, utility_name)

    walk.tap("details.action-accept button[type=submit]")
    assert shown_status(page) == STATUS["accepted"]
    assert STATUS["accepted"] in page.locator(".flash-success").inner_text()
    check_page(page)

    photo = tmp_path / "fixed.png"
    Image.new("RGB", (64, 48), (30, 120, 200)).save(photo, "PNG")
    open_action(walk, "resolve")
    walk.fill("#note-resolve", "更换了漏水管段")
    walk.upload("#photos-resolve", str(photo))
    walk.tap("details.action-resolve button[type=submit]")
    assert page.url == live.url(f"/tickets/{ticket['id']}")
    assert shown_status(page) == STATUS["resolved"]
    assert "更换了漏水管段" in page.locator("#report").inner_text()
    assert page.locator("#report img[src*='/photos/']").count() == 1
    assert page.locator("#actions details.action-resolve").count() == 0
    check_page(page)
    row = stored(live, ticket["id"])
    assert row.status is TicketStatus.resolved and row.resolution_note == "更换了漏水管段"
    walk.tap("nav.mainnav a[href='/']")
    assert page.locator("#ticket-queue .count").inner_text() == "0"  # resolved: not open
    check_page(page)

    # The resident sees it resolved, with the fix's photo, and confirms it with a rating.
    log_in_as(walk, live, "resident_a")
    walk.tap("nav.mainnav a[href='/tickets']")
    mine = page.locator("table.all")
    assert ticket["number"] in mine.inner_text() and STATUS["resolved"] in mine.inner_text()
    check_page(page)
    walk.tap(f"table.all a:text-is('{ticket['number']}')")
    assert shown_status(page) == STATUS["resolved"]
    assert page.locator("#report img[src*='/photos/']").count() == 1
    assert page.locator("details.action-confirm[open]").count() == 1
    check_page(page)
    walk.tap("label[for=rating-confirm-5]")
    walk.tap("details.action-confirm button[type=submit]")
    assert shown_status(page) == STATUS["closed"]
    assert "5 / 5" in page.locator("#report").inner_text()
    assert page.locator("#actions").count() == 0  # nothing left to do
    check_page(page)
    row = stored(live, ticket["id"])
    assert (row.status, row.rating) == (TicketStatus.closed, 5)


def test_the_operator_disputes_and_the_street_officer_reassigns_to_the_property_company(
        live, walk):
    page = walk.page
    ticket = file_water_leak(live, "小区绿化带喷灌管漏水")
    with live.session() as session:
        pm_a = session.scalar(select(User).where(User.username == "manager_a")).organization
        pm_a_name = pm_a.name

    open_from_the_queue(walk, live, "operator_in", ticket, waiting=1)
    open_action(walk, "dispute")
    walk.fill("#note-dispute", "绿化喷灌管属小区物业，不归供水公司")
    walk.tap("details.action-dispute button[type=submit]")
    assert shown_status(page) == STATUS["disputed"]
    assert "绿化喷灌管属小区物业" in page.locator("#report").inner_text()
    assert page.locator("#actions details.action-accept").count() == 0
    check_page(page)

    # The street officer finds it waiting for a ruling on the home page.
    log_in_as(walk, live, "officer")
    rulings = page.locator("#rulings")
    assert rulings.locator(".count").inner_text() == "1"
    assert ticket["number"] in rulings.inner_text()
    walk.tap(f"#rulings a:text-is('{ticket['number']}')")
    assert shown_status(page) == STATUS["disputed"]
    assert page.locator("details.action-reassign[open]").count() == 1
    check_page(page)
    walk.choose("#org-reassign", "PM-A")
    walk.fill("#note-reassign", "喷灌管在小区红线内，由物业维修")
    walk.tap("details.action-reassign button[type=submit]")
    assert shown_status(page) == STATUS["assigned"]
    assert handled_by(page) == pm_a_name
    check_page(page)
    walk.tap("nav.mainnav a[href='/']")
    assert page.locator("#rulings .count").inner_text() == "0"
    check_page(page)

    # The property company has it in its queue, to accept; the utility no longer does.
    open_from_the_queue(walk, live, "manager_a", ticket, waiting=1)
    assert_waits_for_acceptance_by(page, pm_a_name)
    log_in_as(walk, live, "operator_in")
    assert page.locator("#ticket-queue .count").inner_text() == "0"
    row = stored(live, ticket["id"])
    assert (row.status, row.assignee_id, row.dispute_count) == (TicketStatus.assigned,
                                                               pm_a.id, 1)


def test_the_street_officer_sends_a_dispute_back_and_the_operator_has_it_again(live, walk):
    page = walk.page
    ticket = file_water_leak(live, "1号楼前供水管冒水")
    with live.session() as session:
        operator = session.scalar(select(User).where(User.username == "operator_in"))
        row = session.get(Ticket, ticket["id"])
        take_action(session, operator, row, "dispute", note="应由物业处理")
        session.commit()
        utility_id, utility_name = operator.organization_id, operator.organization.name

    log_in_as(walk, live, "officer")
    walk.tap("#rulings a[href='/tickets#rulings-list']")
    listed = page.locator("#rulings-list")
    assert ticket["number"] in listed.inner_text()
    check_page(page)
    walk.tap(f"#rulings-list a:text-is('{ticket['number']}')")
    open_action(walk, "uphold")
    walk.fill("#note-uphold", "楼前供水管属供水公司维护")
    walk.tap("details.action-uphold button[type=submit]")
    assert shown_status(page) == STATUS["assigned"]
    assert handled_by(page) == utility_name
    assert "楼前供水管属供水公司维护" in page.locator("#trail").inner_text()
    check_page(page)

    # Sent back: the utility's to accept now, with the ruling in the trail.
    open_from_the_queue(walk, live, "operator_in", ticket, waiting=1)
    assert_waits_for_acceptance_by(page, utility_name)
    assert "楼前供水管属供水公司维护" in page.locator("#trail").inner_text()
    row = stored(live, ticket["id"])
    assert (row.status, row.assignee_id) == (TicketStatus.assigned, utility_id)


def test_the_street_officer_assigns_a_building_leader_on_a_phone(live, walk):
    """The building leaders' page fits 390 px, its table read row by row, and assigns."""
    page = walk.page
    log_in_as(walk, live, "officer")
    walk.open(live.url("/communities/CA/building-leaders"))
    check_page(page)
    leaders = page.locator("#building-leaders table")
    assert "leader_a" in leaders.inner_text()
    # On a phone each assignment is a card of labelled values, not a row to scroll.
    assert leaders.locator("td[data-label]").count() >= 5

    rows = leaders.locator("tbody tr").count()
    walk.choose("#assign select[name=kind]", "building-leaders")
    walk.fill("#assign input[name=user]", "leader_a")
    walk.fill("#assign input[name=buildings]", "2")
    walk.tap("#assign button[type=submit]")
    assert page.locator(".flash-success").count() == 1
    assert leaders.locator("tbody tr").count() == rows + 1
    check_page(page)
