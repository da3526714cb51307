"""Tickets through the phone-first pages: filing, the queue, the lifecycle, refusals, privacy."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pmsys import clock
from pmsys.models.tickets import Channel, Ticket, TicketPhoto, TicketStatus
from tests.conftest import csrf_token
from tests.ticket_world import NOW, build_ticket_world, file_as
from tests.web.test_security import EVENT_HANDLER, INLINE_SCRIPT, INLINE_STYLE
from tests.web.ticket_browser import (
    Browser,
    flashes,
    fresh,
    latest_ticket,
    png,
    section,
    squash,
    text,
    ticket_numbers,
)

PHONE = {"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile"}


@pytest.fixture
def world(db):
    world = build_ticket_world()
    for user in world.users.values():
        user.locale = "en"  # the assertions read the English source strings
    db.session.commit()
    return world


@pytest.fixture
def web(client, login_as, world):
    client.environ_base.update(PHONE)
    return Browser(client, login_as, world)


def ticket_count(db) -> int:
    return db.session.scalar(select(func.count(Ticket.id)))


# --- Filing ----------------------------------------------------------------------------


def test_a_resident_files_from_the_phone_and_sees_who_handles_it_why_and_by_when(web, db, world):
    form = web.get("resident_a", "/tickets/new")
    assert form.status_code == 200
    page = text(form)
    assert 'enctype="multipart/form-data"' in page
    assert '<option value="CA">' in page and 'value="CB"' not in page  # only their community
    assert '<option value="CA/1/1/101">' in page  # their home is offered
    assert 'name="caller_name"' not in page  # hotline fields are for hotline staff
    for pattern in (INLINE_SCRIPT, EVENT_HANDLER, INLINE_STYLE):
        assert not pattern.search(page)

    response = web.post("resident_a", "/tickets/new", category="water_supply", community="CA",
                        building="1", description="楼道水管漏水", priority="")
    assert response.status_code == 302, flashes(response) or text(response)
    ticket = latest_ticket()
    assert response.headers["Location"] == f"/tickets/{ticket.id}"
    water = world.orgs["W-D1"]
    assert ticket.assignee_id == water.id and ticket.channel is Channel.web
    assert ticket.priority.value == "urgent"  # water supply's default
    assert ticket.reporter_id == world.users["resident_a"].id

    page = web.client.get(response.headers["Location"])
    assert page.status_code == 200
    said = " ".join(flashes(page))
    # Who, and by when (10:00 in Shanghai + 2 h and + 48 h).
    assert f"{water.name} will handle it" in said
    assert "2025-06-02 12:00" in said and "2025-06-04 10:00" in said
    assignee = section(page, "assignee")
    assert water.name in assignee
    assert "handed over" in assignee  # the reason
    assert f"供水管网 was handed over to {water.name} on 2024-03-01" in assignee  # the why
    deadlines = section(page, "deadlines")
    assert "2025-06-02 12:00" in deadlines and "2025-06-04 10:00" in deadlines
    assert "overdue" not in deadlines
    trail = section(page, "trail")
    assert "filed" in trail and "resident_a" in trail


def test_the_qr_code_link_fills_the_place_in(web, world):
    response = web.get("resident_a", "/tickets/new?community=CA&building=1")
    page = text(response)
    assert response.status_code == 200
    assert '<option selected value="CA">' in page
    # The building is chosen from the community's, the QR code's selected (issue 13).
    assert '<option selected value="1">' in page and 'name="building" type="text"' not in page


def test_a_street_officer_enters_a_hotline_call_for_a_caller(web, db, world):
    form = text(web.get("officer", "/tickets/new"))
    assert 'name="caller_name"' in form and 'name="called_at"' in form

    response = web.post("officer", "/tickets/new", category="lighting", community="CA",
                        description="路灯不亮", caller_name="王大爷", caller_phone="13900001234",
                        called_at="2025-06-02T09:15")
    assert response.status_code == 302, flashes(response) or text(response)
    ticket = latest_ticket()
    assert ticket.channel is Channel.hotline
    assert ticket.reporter_id is None and ticket.filed_by_id == world.users["officer"].id
    assert (ticket.reporter_name, ticket.reporter_phone) == ("王大爷", "13900001234")
    # The deadlines run from the call (09:15 Shanghai = 01:15 UTC), not from the entry.
    assert ticket.reported_at == NOW - timedelta(minutes=45)
    assert ticket.assignee_id == world.orgs["PM-A"].id

    # A call from the future is refused on the form, and nothing is filed.
    before = ticket_count(db)
    refused = web.post("officer", "/tickets/new", category="lighting", community="CA",
                       description="路灯不亮", caller_name="王大爷",
                       called_at="2025-06-03T09:15")
    assert refused.status_code == 400
    assert ticket_count(db) == before
    assert "Please check this field." in text(refused)


def test_a_resident_cannot_date_their_report_back(web, world):
    response = web.post("resident_a", "/tickets/new", category="lighting", community="CA",
                        description="路灯不亮", called_at="2025-05-30T09:15")
    assert response.status_code == 302
    assert latest_ticket().reported_at == NOW


def test_several_assets_covering_the_place_ask_which_one(web, db, world):
    response = web.post("resident_a", "/tickets/new", category="telecom", community="CA",
                        building="1", description="没有网络")
    assert response.status_code == 400
    page = text(response)
    assert "Several assets cover this place" in " ".join(flashes(response))
    assert '<option value="CA-TEL-1">' in page and '<option value="CA-TEL-2">' in page
    assert ticket_count(db) == 0

    chosen = web.post("resident_a", "/tickets/new", category="telecom", community="CA",
                      building="1", asset="CA-TEL-2", description="没有网络")
    assert chosen.status_code == 302, flashes(chosen)
    assert latest_ticket().assignee_id == world.orgs["T-2"].id


def test_the_preview_says_who_would_get_it_and_why_without_filing(web, db, world):
    response = web.get("resident_a", "/tickets/preview?category=roof_leak&community=CA&building=1")
    assert response.status_code == 200
    routing = section(response, "routing")
    assert world.orgs["K-1"].name in routing
    assert "under warranty" in routing
    assert "Under warranty until 2027-05-31" in routing
    assert ticket_count(db) == 0
    # The form's "who would handle it?" button posts the form here: its CSRF token and
    # the description stay out of URLs.
    form_page = text(web.get("resident_a", "/tickets/new"))
    assert 'formmethod="post" formaction="/tickets/preview"' in form_page
    posted = web.post("resident_a", "/tickets/preview", category="roof_leak", community="CA",
                      building="1", description="屋顶漏水")
    assert posted.status_code == 200
    assert world.orgs["K-1"].name in section(posted, "routing")
    assert ticket_count(db) == 0

    unknown = web.get("resident_a", "/tickets/preview?category=roof_leak&community=CA&building=9")
    assert unknown.status_code == 400
    # Another community is not there for a resident.
    assert web.get("resident_a", "/tickets/preview?category=road&community=CB").status_code == 400


def test_the_preview_names_the_residents_home_in_words_not_by_its_place_code(web, db, world):
    # What the filing form's button posts for a problem in the resident's home.
    posted = web.post("resident_a", "/tickets/preview", category="water_supply", community="CA",
                      building="1", unit="1/1", household="CA/1/1/101", description="漏水")
    assert posted.status_code == 200
    shown = squash(posted)
    assert "In your home: 供销楼小区 Building 1 Unit 1 Household 101" in shown
    assert "CA/1/1/101" not in shown  # only in the hidden field that carries it
    assert '<input type="hidden" name="household" value="CA/1/1/101">' in text(posted)
    # A home that is not theirs is not named at all.
    other = web.get("resident_a", "/tickets/preview?category=water_supply&community=CA"
                                  "&building=1&household=CA/1/1/102")
    assert "In your home" not in squash(other)


def test_photos_are_filed_with_the_ticket_and_served_only_to_those_who_see_it(web, db, world):
    web.login_as(world.users["resident_a"])
    response = web.client.post("/tickets/new", data={
        "csrf_token": csrf_token(web.client, "/account"), "category": "lighting",
        "community": "CA", "description": "路灯不亮",
        "photos": [(io.BytesIO(png()), "lamp.png"), (io.BytesIO(png(4, 4)), "pole.png")],
    })
    assert response.status_code == 302, flashes(response)
    ticket = latest_ticket()
    assert [(p.purpose, p.content_type, p.width) for p in ticket.photos] == [
        ("report", "image/png", 8), ("report", "image/png", 4)]
    photo = ticket.photos[0]
    url = f"/tickets/{ticket.id}/photos/{photo.id}"
    assert url in text(web.get("resident_a", f"/tickets/{ticket.id}"))

    served = web.get("resident_a", url)
    assert served.status_code == 200
    assert served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in served.headers["Cache-Control"]
    assert served.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert web.get("manager_a", url).status_code == 200  # CA's manager sees CA's tickets
    assert web.get("resident_b", url).status_code == 404
    assert web.get("operator_out", url).status_code == 404
    assert web.get("resident_a", f"/tickets/{ticket.id}/photos/{photo.id + 99}").status_code == 404


def test_a_refused_photo_files_nothing(web, db, world):
    web.login_as(world.users["resident_a"])
    response = web.client.post("/tickets/new", data={
        "csrf_token": csrf_token(web.client, "/account"), "category": "lighting",
        "community": "CA", "description": "路灯不亮",
        "photos": [(io.BytesIO(png()), "ok.png"), (io.BytesIO(b"<svg></svg>"), "bad.svg")],
    })
    assert response.status_code == 400
    assert "A photo was refused" in " ".join(flashes(response))
    assert ticket_count(db) == 0
    assert db.session.scalar(select(func.count(TicketPhoto.id))) == 0


def test_the_reporter_adds_photos_later_and_others_may_not(web, db, world):
    ticket = file_as(world, "resident_a", category="lighting")
    web.login_as(world.users["resident_a"])
    page = text(web.client.get(f"/tickets/{ticket.id}"))
    assert f'action="/tickets/{ticket.id}/photos"' in page
    response = web.client.post(f"/tickets/{ticket.id}/photos", data={
        "csrf_token": csrf_token(web.client, "/account"), "purpose": "report",
        "photos": [(io.BytesIO(png()), "a.png")]})
    assert response.status_code == 302
    assert len(fresh(ticket).photos) == 1

    web.login_as(world.users["committee_a"])  # sees the ticket, is not its reporter
    refused = web.client.post(f"/tickets/{ticket.id}/photos", data={
        "csrf_token": csrf_token(web.client, "/account"), "purpose": "report",
        "photos": [(io.BytesIO(png()), "b.png")]})
    assert refused.status_code == 403
    assert len(fresh(ticket).photos) == 1


# --- The queue -------------------------------------------------------------------------


def test_the_operators_queue_lists_only_its_organisation_with_overdue_marked(web, db, world):
    first = file_as(world, "resident_a")  # water → W-D1, urgent: respond by 12:00
    lamp = file_as(world, "resident_a", category="lighting", description="路灯不亮")  # → PM-A
    clock.set_now(NOW + timedelta(hours=3))
    second = file_as(world, "resident_a", description="水压很低")  # → W-D1, not yet late

    response = web.get("operator_in", "/tickets")
    assert response.status_code == 200
    queue = section(response, "queue")
    assert ticket_numbers(queue) == [first.number, second.number]  # nearest deadline first
    assert lamp.number not in text(response)  # another organisation's ticket
    rows = text(response).split('<table class="rtable tickets queue">')[1].split("</table>")[0]
    late_row, fine_row = rows.split("<tr")[2:4]
    assert "response overdue" in late_row and "overdue" not in fine_row

    # The page lists nothing the operator may not open.
    for number in ticket_numbers(text(response)):
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        assert web.get("operator_in", f"/tickets/{ticket.id}").status_code == 200
    assert web.get("operator_in", f"/tickets/{lamp.id}").status_code == 404
    assert web.get("operator_out", "/tickets").status_code == 200
    assert first.number not in text(web.get("operator_out", "/tickets"))


def test_the_list_filters_and_a_resident_sees_only_their_own(web, db, world):
    water = file_as(world, "resident_a")
    lamp = file_as(world, "resident_a", category="lighting", description="路灯不亮")
    other = file_as(world, "resident_ac", category="lighting", description="路灯坏了")

    mine = text(web.get("resident_a", "/tickets"))
    assert "My tickets" in mine
    assert {water.number, lamp.number} <= set(ticket_numbers(mine))
    assert other.number not in mine

    filtered = text(web.get("manager_a", "/tickets?category=lighting&status=assigned"))
    listed = set(ticket_numbers(filtered.split('id="all-title"')[1]))
    assert listed == {lamp.number, other.number}
    assert web.get("manager_a", "/tickets?status=bogus").status_code == 400


def test_home_pages_show_the_ticket_panels(web, world):
    ticket = file_as(world, "resident_a")
    resident = web.get("resident_a", "/")
    panel = section(resident, "my-tickets")
    assert "Report a problem" in panel and ticket.number in panel
    clock.set_now(NOW + timedelta(hours=3))
    operator = section(web.get("operator_in", "/"), "ticket-queue")
    assert "1 open ticket is overdue." in operator


# --- The lifecycle ----------------------------------------------------------------------


def test_accept_start_resolve_then_the_resident_confirms_with_a_rating(web, db, world):
    ticket = file_as(world, "resident_a")
    page = text(web.get("operator_in", f"/tickets/{ticket.id}"))
    assert 'class="panel action-accept"' in page and "action-confirm" not in page

    assert web.act("operator_in", ticket, "accept").status_code == 302
    assert web.act("operator_in", ticket, "start").status_code == 302
    resolved = web.act("operator_in", ticket, "resolve", note="换了阀门")
    assert resolved.status_code == 302
    ticket = fresh(ticket)
    assert ticket.status is TicketStatus.resolved and ticket.resolution_note == "换了阀门"
    assert ticket.responded_at == NOW

    page = text(web.get("resident_a", f"/tickets/{ticket.id}"))
    assert "action-confirm" in page and "action-reopen" in page
    assert web.act("resident_a", ticket, "confirm", rating="5").status_code == 302
    ticket = fresh(ticket)
    assert ticket.status is TicketStatus.closed and ticket.rating == 5
    trail = section(web.get("resident_a", f"/tickets/{ticket.id}"), "trail")
    for label in ("filed", "accept", "start work", "resolve", "confirm and rate", "换了阀门"):
        assert label in trail


def test_a_fix_photo_goes_with_the_resolution(web, db, world):
    ticket = file_as(world, "resident_a")
    web.act("operator_in", ticket, "accept")
    web.login_as(world.users["operator_in"])
    response = web.client.post(f"/tickets/{ticket.id}/actions", data={
        "csrf_token": csrf_token(web.client, "/account"), "action": "resolve",
        "note": "修好了", "photos": [(io.BytesIO(png()), "fixed.png")]})
    assert response.status_code == 302
    assert [p.purpose for p in fresh(ticket).photos] == ["fix"]


def test_a_dispute_goes_to_the_street_office_which_reassigns_or_sends_it_back(web, db, world):
    ticket = file_as(world, "resident_a")
    disputed = web.act("operator_in", ticket, "dispute", note="不是我们的管道")
    assert disputed.status_code == 302
    assert fresh(ticket).status is TicketStatus.disputed

    page = text(web.get("officer", f"/tickets/{ticket.id}"))
    assert "action-reassign" in page and "action-uphold" in page
    assert f'<option value="PM-A">{world.orgs["PM-A"].name}' in page
    assert 'value="HB-D1"' not in page  # the bureau takes no tickets
    response = web.act("officer", ticket, "reassign", org="PM-A", note="物业负责")
    assert response.status_code == 302, flashes(response)
    ticket = fresh(ticket)
    assert ticket.assignee_id == world.orgs["PM-A"].id and ticket.status is TicketStatus.assigned
    assert "The street office reassigned it to" in section(
        web.get("resident_a", f"/tickets/{ticket.id}"), "assignee")

    # PM-A disputes in turn; this time the office sends it back.
    assert web.act("manager_a", ticket, "dispute", note="是供水公司的").status_code == 302
    assert web.act("officer", ticket, "uphold", note="维持原判").status_code == 302
    ticket = fresh(ticket)
    assert ticket.assignee_id == world.orgs["PM-A"].id and ticket.status is TicketStatus.assigned
    assert ticket.dispute_count == 2


def test_the_resident_reopens_a_poor_fix_and_cancels_another(web, db, world):
    ticket = file_as(world, "resident_a")
    web.act("operator_in", ticket, "accept")
    web.act("operator_in", ticket, "resolve", note="修好了")
    assert web.act("resident_a", ticket, "reopen", note="还在漏").status_code == 302
    ticket = fresh(ticket)
    assert ticket.status is TicketStatus.assigned and ticket.reopen_count == 1

    other = file_as(world, "resident_a", category="lighting", description="路灯不亮")
    assert web.act("resident_a", other, "cancel").status_code == 302
    assert fresh(other).status is TicketStatus.cancelled


# --- Refusals ---------------------------------------------------------------------------


def test_refusals_answer_on_the_page_with_their_status_and_change_nothing(web, db, world):
    ticket = file_as(world, "resident_a")

    not_yours = web.act("resident_a", ticket, "accept")
    assert not_yours.status_code == 403
    assert "not yours to take" in " ".join(flashes(not_yours))
    assert fresh(ticket).status is TicketStatus.assigned

    assert web.act("operator_in", ticket, "accept").status_code == 302
    version = fresh(ticket).version
    twice = web.act("operator_in", ticket, "accept")
    assert twice.status_code == 409
    assert "current status" in " ".join(flashes(twice))
    assert fresh(ticket).version == version

    no_note = web.act("operator_in", ticket, "resolve", note="")
    assert no_note.status_code == 400
    assert fresh(ticket).status is TicketStatus.accepted

    cancel_late = web.act("resident_a", ticket, "cancel")
    assert cancel_late.status_code == 409
    assert fresh(ticket).status is TicketStatus.accepted

    unknown = web.act("operator_in", ticket, "explode")
    assert unknown.status_code == 400

    # Somebody else acted since the page was drawn: reload, nothing overwritten.
    stale = web.act("operator_in", ticket, "start", version=str(version - 1))
    assert stale.status_code == 409
    assert "Somebody else changed this ticket" in " ".join(flashes(stale))
    assert fresh(ticket).status is TicketStatus.accepted

    # Without a CSRF token nothing happens either.
    assert web.post("operator_in", f"/tickets/{ticket.id}/actions", csrf=False,
                    action="start").status_code == 400
    assert fresh(ticket).status is TicketStatus.accepted


def test_a_ticket_the_user_may_not_see_answers_404(web, world):
    ticket = file_as(world, "resident_a")
    for who in ("resident_b", "operator_out", "manager_b"):
        assert web.get(who, f"/tickets/{ticket.id}").status_code == 404
        assert web.act(who, ticket, "accept").status_code == 404
    assert fresh(ticket).status is TicketStatus.assigned
    assert web.get("resident_a", "/tickets/999999").status_code == 404


def test_the_sysadmin_does_not_file(web):
    assert web.get("sysadmin", "/tickets/new").status_code == 403


# --- Privacy and language ---------------------------------------------------------------


def test_the_phone_is_masked_for_the_committee_and_shown_to_the_assignee_while_open(web, world):
    ticket = file_as(world, "resident_a")  # 业主甲, 13800000101
    assert "13800000101" in section(web.get("operator_in", f"/tickets/{ticket.id}"), "report")
    assert "13800000101" in section(web.get("resident_a", f"/tickets/{ticket.id}"), "report")
    committee = section(web.get("committee_a", f"/tickets/{ticket.id}"), "report")
    assert "138****0101" in committee and "13800000101" not in committee
    manager = section(web.get("manager_a", f"/tickets/{ticket.id}"), "report")
    assert "138****0101" in manager

    web.act("operator_in", ticket, "accept")
    web.act("operator_in", ticket, "resolve", note="修好了")
    web.act("resident_a", ticket, "confirm", rating="4")
    closed = text(web.get("operator_in", f"/tickets/{ticket.id}"))
    assert "13800000101" not in closed and "138****0101" in closed


def test_pages_are_chinese_by_default_and_english_on_request(web, db, world):
    ticket = file_as(world, "resident_a")
    user = world.users["resident_a"]
    user.locale = None
    db.session.commit()
    chinese = web.get("resident_a", f"/tickets/{ticket.id}")
    assert '<html lang="zh-CN">' in text(chinese)
    assert "供水" in squash(chinese) and "Water supply" not in squash(chinese)
    web.client.set_cookie("lang", "en")
    english = web.client.get(f"/tickets/{ticket.id}")
    assert '<html lang="en">' in text(english)
    assert "Water supply" in squash(english)
    assert "Handled by" in squash(english)


def test_reassigning_can_draft_a_hand_over_of_the_asset(web, db, world):
    lamp = file_as(world, "resident_a", category="lighting", description="路灯不亮")
    assert lamp.asset.code == "CA-LT"  # warranty ended, never handed over: the manager's
    assert web.act("manager_a", lamp, "dispute", note="路灯应移交").status_code == 302
    page = text(web.get("officer", f"/tickets/{lamp.id}"))
    assert 'name="handover"' in page
    response = web.act("officer", lamp, "reassign", org="W-D1", handover="y", note="移交")
    assert response.status_code == 302, flashes(response)
    trail = section(web.get("officer", f"/tickets/{lamp.id}"), "trail")
    assert f"hand-over draft H-{lamp.number}" in trail
    assert fresh(lamp).assignee_id == world.orgs["W-D1"].id


def test_a_hand_over_already_open_refuses_the_draft_and_the_reassignment(web, db, world):
    water = file_as(world, "resident_a")  # CA-WS is in the open hand-over H-CA
    web.act("operator_in", water, "dispute", note="不是我们的")
    response = web.act("officer", water, "reassign", org="PM-A", handover="y", note="移交")
    assert response.status_code == 409
    assert "already in the open hand-over H-CA" in " ".join(flashes(response))
    assert fresh(water).assignee_id == world.orgs["W-D1"].id


def test_a_committee_member_watches_tickets_its_committee_does_not_hold(web, world):
    """A committee may manage its community itself and then hold tickets
    (docs/domain.md#management);
    OC-A does not, so the ticket shows in the watch list and not in its queue."""
    ticket = file_as(world, "resident_a")
    page = web.get("committee_a", "/tickets")
    assert page.status_code == 200
    assert ticket.number not in section(page, "queue")
    assert ticket.number in text(page)


def test_the_bureau_watches_without_a_queue(web, world):
    ticket = file_as(world, "resident_a")
    page = web.get("bureau", "/tickets")
    assert page.status_code == 200
    assert 'id="queue"' not in text(page)
    assert ticket.number in text(page)
    assert 'id="ticket-queue"' not in text(web.get("bureau", "/"))


def test_a_contractor_without_a_region_filters_its_tickets_by_community(web, world):
    roof = file_as(world, "resident_a", category="roof_leak", building="1")
    assert roof.assignee_id == world.orgs["K-1"].id
    page = web.get("contractor", "/tickets?community=CA")
    assert page.status_code == 200
    assert roof.number in text(page)
    # A community with none of its tickets is no choice for it.
    assert web.get("contractor", "/tickets?community=CB").status_code == 400
