"""GET /reports/tickets: filters, the measures table and the server-drawn SVG charts."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

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


def cells(row: str) -> list[str]:
    """The label and the text of each data cell of a table row, tags dropped."""
    return [(label, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", value)).strip())
            for label, value in re.findall(r'data-label="([^"]+)">(.*?)</td>', row, re.S)]


def test_the_page_shows_every_measure_per_organisation(login_as, world):
    html = page(login_as, world, query="?from=2025-05-01&to=2025-05-31")
    assert rows(html) == ["甲物业 PM-A", f"{world.orgs['W-D1'].name} W-D1"]
    water_row = html.split("W-D1</span>", 1)[1].split("</tr>", 1)[0]
    # Each rate with the counts it divides: filed, then six rates, then the two medians.
    assert cells(water_row)[:8] == [
        ("报修数", "1"), ("响应率", "100.00 % 1 / 1"), ("办结率", "100.00 % 1 / 1"),
        ("按时办结率", "100.00 % 1 / 1"), ("满意率", "100.00 % 1 / 1"),
        ("重开率", "0.00 % 0 / 1"), ("争议率", "0.00 % 0 / 1"), cells(water_row)[7]]
    assert len(cells(water_row)) == 9
    assert "60.0" in cells(water_row)[7][1] and "5.0" in cells(water_row)[8][1]
    # The total row, and a rate over nothing shown as a dash rather than 0 %.
    assert 'class="total"' in html
    lighting_row = html.split("PM-A</span>", 1)[1].split("</tr>", 1)[0]
    assert ("满意率", "— 0 / 0") in cells(lighting_row)


def test_the_measures_table_has_ten_columns_with_phrase_breaking_headers(login_as, world):
    """Ten columns fit 1280 px; headers may break between words, never per character."""
    html = page(login_as, world, query="?from=2025-05-01&to=2025-05-31")
    head = html.split('<table class="rtable measures">', 1)[1].split("</thead>", 1)[0]
    assert head.count("<th ") == 10
    assert '<div class="table-fit">' in html
    css = (Path(__file__).parents[2] / "static/css/pmsys.css").read_text(encoding="utf-8")
    rule = css.split(".rtable.measures th {", 1)[1].split("}", 1)[0]
    assert "word-break: keep-all" in rule


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


def date_fields(html: str) -> dict[str, str]:
    """The filter's date fields: name → value ("" when blank)."""
    found = {}
    for tag in re.findall(r'<input[^>]*type="date"[^>]*>', html):
        name = re.search(r'name="([^"]+)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag)
        found[name] = value.group(1) if value else ""
    return found


def test_the_filter_shows_the_period_the_page_reports_on(login_as, world):
    # Without dates asked for, the fields hold the default period instead of staying blank.
    assert date_fields(page(login_as, world)) == {"from": "2025-05-04", "to": "2025-06-02"}
    # Only the end asked for: the thirty days up to it.
    assert date_fields(page(login_as, world, query="?to=2025-05-31")) == {
        "from": "2025-05-02", "to": "2025-05-31"}


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


# --- the Excel export ----------------------------------------------------------------------


def export(login_as, world, who="bureau", query="?from=2025-05-01&to=2025-05-31", status=200):
    response = login_as(world.users[who]).get(URL.replace("tickets", "tickets.xlsx") + query)
    assert response.status_code == status
    return response


def test_the_page_links_its_excel_export_with_its_filters(login_as, world):
    html = page(login_as, world, query="?from=2025-05-01&to=2025-05-31&group=category")
    assert ('href="/reports/tickets.xlsx?group=category&amp;from=2025-05-01&amp;to=2025-05-31"'
            in html)


def test_the_export_holds_the_page_rows_with_every_measure_as_numbers(login_as, world):
    response = export(login_as, world)
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="ticket-measures-2025-05-01-2025-05-31-org.xlsx"')
    book = load_workbook(BytesIO(response.data))
    measures, months = ([list(row) for row in sheet.iter_rows(values_only=True)]
                        for sheet in book.worksheets)
    assert measures[0][:7] == ["编号", "单位", "报修数", "应响应数", "响应数", "按时响应数",
                               "响应率"]
    water = world.orgs["W-D1"]
    # The rows of the page, in its order, then the total: filed, due, responded, in time, …
    assert [row[:2] for row in measures[1:]] == [["PM-A", "甲物业"], ["W-D1", water.name],
                                                  [None, "全部工单"]]
    assert measures[2][2:18] == [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    assert measures[2][18:] == [60, 300]
    # A rate over nothing is an empty cell, not 0 %; rates are fractions shown as percentages.
    lighting = measures[1]
    assert lighting[2] == 1 and lighting[13] is None
    sheet = book.worksheets[0]
    assert sheet["G3"].data_type == "n" and sheet["G3"].number_format == "0.00%"
    assert [row[0] for row in months[1:]] == ["2025-05"]
    assert months[1][1] == 2


def test_the_export_lists_only_what_the_reader_sees(login_as, world):
    book = load_workbook(BytesIO(export(login_as, world, "operator_in").data))
    rows_ = [row for row in book.worksheets[0].iter_rows(values_only=True)]
    assert [row[0] for row in rows_[1:-1]] == ["W-D1"]


def test_the_export_refuses_residents_and_bad_filters(login_as, world):
    export(login_as, world, "resident_a", status=403)
    export(login_as, world, query="?group=street", status=400)
