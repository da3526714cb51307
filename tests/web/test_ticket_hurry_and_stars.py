"""The ticket page's 催办 button and the star rating of a fix (issue 13, item 10 a and b)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from pmsys import clock
from pmsys.models.tickets import TicketStatus
from tests.ticket_world import build_ticket_world, file_as
from tests.web.test_security import EVENT_HANDLER, INLINE_SCRIPT, INLINE_STYLE
from tests.web.ticket_browser import Browser, flashes, fresh, section, text


@pytest.fixture
def world(db):
    return build_ticket_world()  # the users read Chinese, the default


@pytest.fixture
def web(client, login_as, world):
    return Browser(client, login_as, world)


def test_the_reporter_hurries_an_overdue_ticket_from_its_page(web, db, world):
    ticket = file_as(world, "resident_a")
    page = text(web.get("resident_a", f"/tickets/{ticket.id}"))
    assert "action-hurry" not in page  # within its deadlines: nothing to hurry

    clock.set_now(ticket.due_respond_at + timedelta(hours=2))
    page = text(web.get("resident_a", f"/tickets/{ticket.id}"))
    panel = page.split('class="panel action-hurry"', 1)[1].split("</details>", 1)[0]
    assert '<input type="hidden" name="action" value="hurry">' in panel
    assert 'name="csrf_token"' in panel and ">催办</button>" in panel
    assert "action-hurry" not in text(web.get("operator_in", f"/tickets/{ticket.id}"))

    response = web.act("resident_a", ticket, "hurry", note="")
    assert response.status_code == 302
    assert fresh(ticket).hurry_count == 1
    after = web.get("resident_a", f"/tickets/{ticket.id}")
    assert "已催办" in section(after, "deadlines") and "1 次" in section(after, "deadlines")
    assert "第 1 次催办" in section(after, "trail")
    assert "action-hurry" not in text(after)  # once a day

    again = web.act("resident_a", ticket, "hurry", version=str(fresh(ticket).version))
    assert again.status_code == 409
    assert any("24 小时" in message for message in flashes(again))
    assert fresh(ticket).hurry_count == 1


def test_the_fix_is_rated_with_five_star_radio_buttons(web, db, world):
    ticket = file_as(world, "resident_a")
    for action, fields in (("accept", {}), ("resolve", {"note": "换了阀门"})):
        assert web.act("operator_in", ticket, action, **fields).status_code == 302
    page = text(web.get("resident_a", f"/tickets/{ticket.id}"))
    panel = page.split('class="panel action-confirm"', 1)[1].split("</details>", 1)[0]
    assert '<select name="rating"' not in panel and 'name="rating"' in panel
    stars = re.findall(r'<input type="radio"[^>]*name="rating"[^>]*value="(\d)"[^>]*required',
                       panel)
    assert stars == ["1", "2", "3", "4", "5"]
    assert '<fieldset class="stars" id="rating-confirm">' in panel and "<legend>" in panel
    # Each star is a label of its radio with its value in words, for screen readers.
    assert re.findall(r'<label for="rating-confirm-(\d)"', panel) == ["1", "2", "3", "4", "5"]
    assert '<span class="visually-hidden">4 星</span>' in panel
    assert not (INLINE_SCRIPT.search(page) or INLINE_STYLE.search(page)
                or EVENT_HANDLER.search(page))

    assert web.act("resident_a", ticket, "confirm", rating="4").status_code == 302
    ticket = fresh(ticket)
    assert ticket.status is TicketStatus.closed and ticket.rating == 4
    report = section(web.get("resident_a", f"/tickets/{ticket.id}"), "report")
    assert "★★★★☆ 4 / 5" in report


def test_a_confirmation_without_stars_is_refused(web, db, world):
    ticket = file_as(world, "resident_a")
    for action, fields in (("accept", {}), ("resolve", {"note": "换了阀门"})):
        web.act("operator_in", ticket, action, **fields)
    response = web.act("resident_a", ticket, "confirm")
    assert response.status_code == 400
    assert fresh(ticket).status is TicketStatus.resolved
