"""Categories (docs/domain.md#categories) and the default priority of a report (#deadlines)."""

from __future__ import annotations

import pytest

from pmsys import categories


def test_the_design_table():
    assert [c.code for c in categories.CATEGORIES] == [
        "water_supply", "drainage", "heating", "gas", "power", "telecom", "cable_tv",
        "elevator", "roof_leak", "facade", "common_parts", "road", "lighting",
        "access_security", "fire_safety", "greenery", "waste", "ev_charging", "fitness",
        "parcel_locker", "illegal_building", "parking", "occupied_space", "disorder",
        "service_complaint", "other",
    ]
    assert categories.UTILITY_CODES == {
        "water_supply", "drainage", "heating", "gas", "power", "telecom", "cable_tv"
    }
    by_duty = {c.code for c in categories.CATEGORIES if c.by_duty}
    assert by_duty == {"waste", "parcel_locker", "illegal_building", "occupied_space"}


def test_get_unknown_code():
    with pytest.raises(KeyError):
        categories.get("teleportation")


@pytest.mark.parametrize(
    ("code", "description", "expected"),
    [
        ("gas", "", "emergency"),
        ("gas", "灶台打不着火", "emergency"),
        ("water_supply", "早上没水了", "urgent"),
        ("water_supply", "楼下爆管，水流满地", "emergency"),
        ("water_supply", "The main has BURST in the yard", "emergency"),
        ("drainage", "化粪池满溢", "urgent"),
        ("heating", "暖气不热", "urgent"),
        ("power", "整栋停电了", "emergency"),
        ("elevator", "电梯有人被困", "emergency"),
        ("elevator", "Two people trapped in the lift", "emergency"),
        ("elevator", "按钮坏了", "urgent"),
        ("lighting", "路灯不亮", "normal"),
        ("lighting", "闻到燃气味", "emergency"),
        ("common_parts", "smell of gas in the stairwell", "emergency"),
        ("fitness", "单杠松动", "normal"),
        ("telecom", "", "normal"),
        ("other", None, "normal"),
    ],
)
def test_default_priority(code, description, expected):
    assert categories.default_priority(code, description) == expected


def test_every_category_defaults_to_a_known_priority():
    for category in categories.CATEGORIES:
        assert category.default_priority in ("emergency", "urgent", "normal")


def test_label_follows_the_locale(app):
    from flask_babel import force_locale

    water = categories.get("water_supply")
    with app.test_request_context():
        with force_locale("en"):
            assert water.label == "Water supply"
        with force_locale("zh_CN"):
            assert water.label == "供水"
