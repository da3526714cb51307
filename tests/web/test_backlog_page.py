"""GET /reports/handover-backlog: 50 rows a page, SVG charts, and the Excel export (issue 13)."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.asset_factories import AssetFactory, project_for
from tests.web.asset_world import build_asset_world
from tests.web.test_security import INLINE_SCRIPT, INLINE_STYLE

URL = "/reports/handover-backlog"
EXPORT = "/reports/handover-backlog.xlsx"


@pytest.fixture
def world(db):
    """120 utility assets of GXL (street SLQ) and 3 of LJY (street SLZ), none handed over.

    The project was accepted on 2025-01-10; on 2025-06-02 every asset is 53 days overdue,
    except the LJY ones, accepted on 2024-12-01 (93 days overdue: listed first).
    """
    world = build_asset_world()
    gxl = project_for([world.communities["GXL"]], accepted_on=date(2025, 1, 10), code="P-GXL")
    ljy = project_for([world.communities["LJY"]], accepted_on=date(2024, 12, 1), code="P-LJY")
    for n in range(120):
        AssetFactory(code=f"GXL-{n:03d}", community=world.communities["GXL"], project=gxl,
                     category="water_supply" if n < 80 else "power")
    for n in range(3):
        AssetFactory(code=f"LJY-{n}", community=world.communities["LJY"], project=ljy,
                     category="gas")
    db.session.commit()
    return world


def get(login_as, world, url, who="bureau", status=200):
    response = login_as(world.users[who]).get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return response


def listed(html: str) -> list[str]:
    table = html.split('<table class="rtable backlog">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'href="/assets/([^"]+)"', table)


def test_the_backlog_shows_fifty_rows_a_page_with_a_pager(login_as, world):
    html = get(login_as, world, URL).get_data(as_text=True)
    rows = listed(html)
    assert len(rows) == 50
    assert rows[:4] == ["LJY-0", "LJY-1", "LJY-2", "GXL-000"]  # the oldest first
    assert "第 1–50 条，共 123 条" in html
    assert f'href="{URL}?page=2" rel="next"' in html
    # The counts and the figures still cover every page.
    assert re.search(r'<span class="stat-value">123</span>', html)

    last = get(login_as, world, URL + "?page=3").get_data(as_text=True)
    assert listed(last) == [f"GXL-{n:03d}" for n in range(97, 120)]
    assert f'href="{URL}?page=2" rel="prev"' in last and 'rel="next"' not in last
    # Past the end: the last page; nonsense: the first.
    assert listed(get(login_as, world, URL + "?page=99").get_data(as_text=True)) == listed(last)
    assert listed(get(login_as, world, URL + "?page=x").get_data(as_text=True)) == rows


def test_the_pager_keeps_the_filters(login_as, world):
    html = get(login_as, world, URL + "?region=SLQ&on=2025-06-02").get_data(as_text=True)
    assert len(listed(html)) == 50
    assert 'href="/reports/handover-backlog?page=2&amp;region=SLQ&amp;on=2025-06-02"' in html
    second = get(login_as, world, URL + "?page=3&region=SLQ&on=2025-06-02")
    assert listed(second.get_data(as_text=True)) == [f"GXL-{n:03d}" for n in range(100, 120)]


def test_the_charts_are_svg_bars_by_category_and_street(login_as, world):
    html = get(login_as, world, URL).get_data(as_text=True)
    charts = dict(re.findall(
        r'<section class="card chart" id="([^"]+)"[^>]*>.*?(<svg.*?</svg>)', html, re.S))
    assert set(charts) == {"chart-backlog-category", "chart-backlog-street"}
    category = charts["chart-backlog-category"]
    # Water 80 (the full track), power 40 (half of it), gas 3.
    assert re.findall(r'class="bar-value"[^>]*width="([0-9.]+)"', category) == [
        "236.0", "118.0", "8.8"]
    assert [t for t in re.findall(r">(\d+)</text>", category)] == ["80", "40", "3"]
    street = charts["chart-backlog-street"]
    assert "萨拉齐镇" in street and "双龙镇" in street
    assert re.findall(r">(\d+)</text>", street) == ["120", "3"]
    for chart_id, svg in charts.items():
        assert f'<title id="{chart_id}-title">' in svg
    assert not INLINE_SCRIPT.search(html) and not INLINE_STYLE.search(html)


def test_the_export_holds_every_row_of_every_page(login_as, world):
    html = get(login_as, world, URL + "?region=TYQ").get_data(as_text=True)
    assert f'href="{EXPORT}?region=TYQ" download' in html
    response = get(login_as, world, EXPORT + "?region=TYQ")
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="handover-backlog-TYQ-2025-06-02.xlsx"')
    book = load_workbook(BytesIO(response.data))
    assets, by_category, by_street = (
        [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets)
    assert len(assets) == 1 + 123
    assert assets[0][0] == "资产" and assets[0][7] == "逾期天数"
    first = assets[1]
    assert first[0] == "LJY-0" and first[3] == "粮局院小区" and first[4] == "双龙镇"
    assert first[5] == "P-LJY" and first[6].date() == date(2024, 12, 1) and first[7] == 93
    assert assets[4][0] == "GXL-000" and assets[4][7] == 53
    assert book.worksheets[0]["H2"].data_type == "n"
    assert by_category[1:] == [["供水", 80], ["供电", 40], ["燃气", 3]]
    assert by_street[1:] == [["萨拉齐镇", 120], ["双龙镇", 3]]


def test_the_export_lists_what_the_reader_sees_and_refuses_others(login_as, world):
    book = load_workbook(BytesIO(get(login_as, world, EXPORT, who="officer").data))
    codes = [row[0] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert len(codes) == 120 and all(code.startswith("GXL-") for code in codes)
    get(login_as, world, EXPORT, who="water", status=403)
    get(login_as, world, EXPORT, who="resident", status=403)
    get(login_as, world, EXPORT + "?on=tomorrow", status=400)
