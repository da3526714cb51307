"""The staff's and residents' daily pages (issue 13): what waits for a ruling, who holds a
ticket and why, readable places, the resident's contacts, masked phones."""

from __future__ import annotations

from datetime import timedelta

from pmsys import clock
from tests.ticket_world import NOW, file_as
from tests.web import test_ticket_pages as ticket_pages
from tests.web.ticket_browser import section, squash, text, ticket_numbers

# The ticket world with English pages, and a phone's browser in it (as the ticket pages' tests).
world = ticket_pages.world
web = ticket_pages.web


# --- Item 4: disputes waiting for the street office's ruling ----------------------------


def test_the_street_officer_sees_the_disputes_waiting_for_a_ruling(web, world):
    water = file_as(world, "resident_a")
    lamp = file_as(world, "resident_a", category="lighting", description="路灯不亮")
    home = section(web.get("officer", "/"), "rulings")
    assert "Disputes waiting for your ruling 0" in home
    assert "No dispute waits for your ruling." in home

    assert web.act("operator_in", water, "dispute", note="不是我们的管道").status_code == 302
    assert web.act("manager_a", lamp, "dispute", note="路灯应移交").status_code == 302

    home = section(web.get("officer", "/"), "rulings")
    assert "Disputes waiting for your ruling 2" in home
    assert ticket_numbers(home) == [water.number, lamp.number]  # the oldest first
    assert "2 disputed tickets wait for your decision" in home
    listing = web.get("officer", "/tickets")
    rulings = section(listing, "rulings-list")
    assert "Disputes waiting for your ruling 2" in rulings
    assert set(ticket_numbers(rulings)) == {water.number, lamp.number}

    # Ruled on: reassigned or sent back, a dispute waits no more.
    assert web.act("officer", water, "reassign", org="PM-A", note="物业负责").status_code == 302
    assert web.act("officer", lamp, "uphold", note="维持").status_code == 302
    assert "Disputes waiting for your ruling 0" in section(web.get("officer", "/"), "rulings")
    assert ticket_numbers(section(web.get("officer", "/tickets"), "rulings-list")) == []


def test_only_offices_that_rule_see_the_disputes_panel(web, world):
    water = file_as(world, "resident_a")
    web.act("operator_in", water, "dispute", note="不是我们的管道")
    for login in ("bureau", "manager_a", "operator_in", "committee_a"):
        page = text(web.get(login, "/"))
        assert 'id="rulings"' not in page, login
        assert 'id="rulings-list"' not in text(web.get(login, "/tickets")), login
    # Each office rules on its own street's communities: S3's on CC, S1's on CA.
    elsewhere = file_as(world, "resident_ac", community="CC", description="水管漏水")
    assert elsewhere.assignee_id == world.orgs["SO-S3"].id  # nobody manages CC
    assert web.act("officer_s3", elsewhere, "dispute", note="应由物业处理").status_code == 302
    s3 = section(web.get("officer_s3", "/"), "rulings")
    assert ticket_numbers(s3) == [elsewhere.number]
    assert ticket_numbers(section(web.get("officer", "/"), "rulings")) == [water.number]


# --- Item 12: the measures page counts disputes against who raised them -------------------


def test_the_measures_page_shows_disputes_by_who_raised_them_and_the_rulings(web, world):
    water = file_as(world, "resident_a")
    lamp = file_as(world, "resident_a", category="lighting", description="路灯不亮")
    assert "Disputes and rulings" not in squash(web.get("bureau", "/reports/tickets"))
    web.act("operator_in", water, "dispute", note="不是我们的管道")
    web.act("officer", water, "reassign", org="PM-A", note="物业负责")  # upheld: away from W-D1
    web.act("manager_a", lamp, "dispute", note="路灯应移交")  # waiting
    web.act("manager_a", water, "dispute", note="也不是我们的")
    web.act("officer", water, "uphold", note="维持")  # returned to PM-A

    disputes = section(web.get("bureau", "/reports/tickets"), "disputes")
    assert "against the organisation that raised it" in disputes
    water_org, manager = world.orgs["W-D1"], world.orgs["PM-A"]
    # W-D1 holds nothing now, yet its upheld dispute counts against it.
    assert f"{water_org.name} W-D1 1 1 0 0" in disputes
    assert f"{manager.name} PM-A 2 0 1 1" in disputes
    assert "All disputes 3 1 1 1" in disputes
    by_category = section(web.get("bureau", "/reports/tickets?group=category"), "disputes")
    assert "Water supply 2 1 1 0" in by_category and "Lighting 1 0 0 1" in by_category


# --- Item 7: after a reassignment; names, not codes ----------------------------------------


def test_after_a_reassignment_the_new_handler_is_not_marked_handed_over(web, world):
    water = file_as(world, "resident_a", building="1")
    assignee = section(web.get("resident_a", f"/tickets/{water.id}"), "assignee")
    assert "handed over" in assignee  # W-D1 holds it because CA-WS was handed over to it
    web.act("operator_in", water, "dispute", note="不是我们的管道")
    web.act("officer", water, "reassign", org="PM-A", note="物业负责")
    assignee = section(web.get("resident_a", f"/tickets/{water.id}"), "assignee")
    assert world.orgs["PM-A"].name in assignee
    assert "reassigned by the street office" in assignee
    assert "handed over" not in assignee.split("Why", 1)[0]  # the badge, not the steps
    # The trail names the organisations, not their codes.
    trail = section(web.get("resident_a", f"/tickets/{water.id}"), "trail")
    assert f"{world.orgs['W-D1'].name} → {world.orgs['PM-A'].name}" in trail
    assert "W-D1 →" not in trail and "→ PM-A" not in trail


def test_places_are_named_as_residents_say_them_not_by_codes(web, db, world):
    ticket = file_as(world, "resident_a", household="CA/1/1/101", inside_home=True)
    for login, url in (("resident_a", f"/tickets/{ticket.id}"), ("manager_a", "/tickets")):
        page = squash(web.get(login, url))
        assert "供销楼小区 Building 1 Unit 1 Household 101" in page, login
        assert "CA/1/1/101" not in page, login
    world.users["resident_a"].locale = "zh_CN"
    db.session.commit()
    page = squash(web.get("resident_a", f"/tickets/{ticket.id}"))
    assert "供销楼小区 1号楼 1单元 101室" in page
    home = web.get("resident_a", "/")
    assert "供销楼小区 1号楼 1单元 101室" in section(home, "households-title")
    assert "CA/1/1/101" not in squash(home)


# --- Item 9: the resident's home ------------------------------------------------------------


def test_the_resident_home_shows_whom_to_call_and_flags_overdue_tickets(web, db, world):
    world.orgs["PM-A"].phone = "0472-8826688"
    db.session.commit()
    water = file_as(world, "resident_a")
    home = web.get("resident_a", "/")
    contact = squash(home).split("Managed by", 1)[1]
    assert world.orgs["PM-A"].name in contact and "0472-8826688" in contact
    assert 'href="tel:0472-8826688"' in text(home)
    panel = section(home, "my-tickets")
    assert water.number in panel and "overdue" not in panel
    clock.set_now(NOW + timedelta(hours=3))  # past the 2-hour response deadline
    panel = section(web.get("resident_a", "/"), "my-tickets")
    assert "response overdue" in panel and "fix overdue" not in panel
    clock.set_now(NOW + timedelta(days=3))
    panel = section(web.get("resident_a", "/"), "my-tickets")
    assert "response overdue" in panel and "fix overdue" in panel
