"""The checks every walk makes catch what they are for (on pages made up here)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_horizontal_scroll, assert_no_untranslated

PAGE = ('<!doctype html><html lang="zh-CN"><head><title>报修</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        '<body>{}</body></html>')


def test_a_page_wider_than_the_phone_fails(phone):
    phone.set_content(PAGE.format('<p>好</p><div style="width: 30em">宽</div>'))
    with pytest.raises(AssertionError, match="scrolls sideways"):
        assert_no_horizontal_scroll(phone)
    # A row that scrolls on its own (the main menu) is not the page scrolling.
    phone.set_content(PAGE.format(
        '<nav style="overflow-x: auto"><a style="display: inline-block; width: 40em">菜单</a>'
        '</nav>'))
    assert_no_horizontal_scroll(phone)


def test_an_english_source_string_on_a_chinese_page_fails(phone):
    phone.set_content(PAGE.format("<h1>报修</h1><p>Report a problem</p>"))
    with pytest.raises(AssertionError, match="Report a problem"):
        assert_no_untranslated(phone)
    # Codes, names and numbers are not the catalogue's English.
    phone.set_content(PAGE.format("<p>供销楼小区 CA/1 · PM-A · 13900001234 · pmsys</p>"))
    assert_no_untranslated(phone)
