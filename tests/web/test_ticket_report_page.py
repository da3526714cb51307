"""GET /reports/tickets: filters, the measures table and the server-drawn SVG charts."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from pmsys import clock
from pmsys.tickets.services import take_action
from tests.ticket_world import build_ticket_world, file_as

URL = "/reports/tickets"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=clock.LOCAL_TZ)


@pytest.fixture
def world(db):
    world = build_ticket_world()
    start = local(2025, 5, 20, 10)
    with clock.frozen(start):
        water = file_as(world, "resident_a")
    for login, action, hours, fields in (
        ("operator_in", "accept", 1, {}),
        ("operator_in", "resolve", 5, {"note": "换了阀门"}),
        ("resident_a", "confirm", 30, {"rating": 5}),
    ):
        with clock.frozen(start + timedelta(hours=hours)):
            take_action(db.session, world.users[login], water, action, **fields)
    with clock.frozen(local(2025, 4, 12, 10)):
        file_as(world, "resident_a", category="lighting", description="路灯不亮")
    with clock.frozen(local(2025, 5, 30, 10)):
        file_as(world, "resident_a", category="lighting", description="路灯又不亮")
    db.session.commit()
    return world


def page(login_as, world, who="bureau", query="", status=200) -> str:
    client = login_as(world.users[who])
    response = client.get(URL + query)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


def rows(html: str) -> list[str]:
    """The first cell of each body row of the measures table."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
            for cell in re.findall(r'<td class="primary">(.*?)</td>', body, re.S)]


def charts(html: str) -> dict[str, str]:
    """Each chart's SVG by its figure id."""
    return dict(re.findall(r'<section class="card chart" id="([^"]+)"[^>]*>.*?(<svg.*?</svg>)',
                           html, re.S))


def test_the_page_shows_every_measure_per_organisation(login_as, world):
    html = page(login_as, world, query="?from=2025-05-01&to=2025-05-31")
    assert rows(html) == ["甲物业 PM-A", f"{world.orgs['W-D1'].name} W-D1"]
    water_row = html.split("W-D1</span>", 1)[1].split("</tr>", 1)[0]
    values = [v.strip() for v in re.findall(r'data-label="[^"]+">([^<]*)</td>', water_row)]
    # filed, responded (in time), rate, resolved (in time), rates, rated, 4–5, …, medians
    assert values[:16] == ["1", "1", "1", "100.00 %", "1", "1", "100.00 %", "100.00 %", "1",
                           "1", "100.00 %", "0", "0.00 %", "0", "0.00 %", values[15]]
    assert len(values) == 17
    assert "60.0" in values[15] and "5.0" in values[16]  # 60 minutes; 300 minutes = 5.0 h
    # The total row, and a rate over nothing shown as a dash rather than 0 %.
    assert 'class="total"' in html
    lighting_row = html.split("PM-A</span>", 1)[1].split("</tr>", 1)[0]
    assert "—" in lighting_row


def test_the_charts_are_inline_svg_with_titles_and_no_script_or_style(login_as, world):
    html = page(login_as, world, query="?from=2025-04-01&to=2025-06-02")
    drawn = charts(html)
    assert set(drawn) == {"chart-response", "chart-on-time", "chart-satisfaction", "chart-months"}
    for chart_id, svg in drawn.items():
        assert re.search(rf'<title id="{chart_id}-title">[^<]+</title>', svg)
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in svg
    assert "<script" not in html and "style=" not in html
    # One bar per organisation; water's response rate is full, the lighting one's empty.
    response = drawn["chart-response"]
    assert response.count('class="bar"') == 2
    assert re.search(r'class="bar-value"[^>]*width="236.0"', response)
    assert re.search(r'class="bar-value"[^>]*width="0.0"', response)
    # One column per month with the count of filed tickets above it: 1, 2, 0.
    months = drawn["chart-months"]
    assert months.count('class="column"') == 3
    assert [m for m in ("2025-04", "2025-05", "2025-06") if m in months] == [
        "2025-04", "2025-05", "2025-06"]
    heights = [float(h) for h in re.findall(
        r'class="column-value"[^>]*height="([0-9.]+)"', months)]
    assert heights == [60.0, 120.0, 0.0]


@pytest.mark.parametrize(("group", "first_cells"), [
    ("community", ["供销楼小区 CA"]),
    ("category", ["照明", "供水"]),
    ("month", ["2025-04", "2025-05", "2025-06"]),
])
def test_grouping_changes_the_rows(login_as, world, group, first_cells):
    html = page(login_as, world, query=f"?from=2025-04-01&to=2025-06-02&group={group}")
    assert rows(html) == first_cells


def test_an_operator_sees_only_its_organisation(login_as, world):
    html = page(login_as, world, who="operator_in", query="?from=2025-04-01&to=2025-06-02")
    assert [r.split()[-1] for r in rows(html)] == ["W-D1"]


def test_the_default_period_is_the_last_thirty_days(login_as, world):
    html = page(login_as, world)
    assert "2025-05-04" in html and "2025-06-02" in html
    assert len(rows(html)) == 2


@pytest.mark.parametrize("query", [
    "?from=yesterday", "?to=2025-13-01", "?group=street", "?from=2025-06-01&to=2025-05-01",
    "?from=1900-01-01",
])
def test_a_bad_filter_answers_400_with_the_form_and_its_error(login_as, world, query):
    html = page(login_as, world, query=query, status=400)
    assert 'class="field-error"' in html
    assert "<tbody>" not in html


def test_residents_are_refused(login_as, world):
    page(login_as, world, who="resident_a", status=403)


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_period_without_tickets_says_so(login_as, world):
    html = page(login_as, world, query="?from=2024-01-01&to=2024-01-31")
    assert "<tbody>" not in html and 'class="empty"' in html
