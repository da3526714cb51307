"""Category names come from the category table in the interface's language."""

from flask_babel import force_locale

from pmsys import categories


def test_label_follows_locale(app):
    water = categories.get("water_supply")
    with app.test_request_context():
        with force_locale("zh_CN"):
            assert water.label == "供水"
        with force_locale("en"):
            assert water.label == "Water supply"


def test_every_category_has_both_names():
    for category in categories.CATEGORIES:
        assert category.name_zh and category.name_en
