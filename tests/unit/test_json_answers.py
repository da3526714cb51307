"""The JSON provider writes answers as Flask's own would, only faster (pmsys/json_answers.py)."""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from pmsys.json_answers import OrjsonProvider


@dataclass
class _Point:
    x: int
    label: str


def _both(value):
    """The body `value` gets from our provider and from Flask's, compact."""
    ours, theirs = Flask("ours"), Flask("theirs")
    ours.json = OrjsonProvider(ours)
    theirs.json = DefaultJSONProvider(theirs)
    theirs.json.sort_keys = False
    theirs.json.ensure_ascii = False
    with ours.app_context():
        mine = ours.json.response(value).get_data()
    with theirs.app_context():
        flasks = theirs.json.response(value).get_data()
    return mine, flasks


def test_answers_are_flasks_own_byte_for_byte():
    value = {
        "名称": "萨拉齐镇 — 老旧小区",  # UTF-8, not \uXXXX
        "z": 1, "a": [1.5, None, True, "x"],  # keys keep their order
        7: "an integer key becomes a string",
        "day": date(2021, 11, 20),  # dates as Flask writes them (HTTP dates)
        "moment": datetime(2021, 11, 20, 8, 30, tzinfo=UTC),
        "money": Decimal("12.30"), "id": uuid.UUID(int=5), "point": _Point(1, "一"),
    }
    mine, flasks = _both(value)
    assert mine == flasks
    assert "萨拉齐镇".encode() in mine
    assert list(json.loads(mine))[:3] == ["名称", "z", "a"]
    assert json.loads(mine)["day"] == "Sat, 20 Nov 2021 00:00:00 GMT"


def test_what_orjson_refuses_is_written_the_standard_way():
    mine, flasks = _both({"big": 2**70, "list": [2**65]})
    assert mine == flasks
    assert json.loads(mine)["big"] == 2**70


def test_debug_answers_are_indented_as_flasks():
    app = Flask("debug")
    app.json = OrjsonProvider(app)
    app.debug = True
    with app.app_context():
        body = app.json.response({"a": 1}).get_data(as_text=True)
    assert body == '{\n  "a": 1\n}\n'
