"""Every user-facing string has its zh_CN translation, and the catalogue compiles."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "pmsys" / "translations" / "zh_CN" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _source_messages() -> set[str]:
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalog():
    with open(PO, "rb") as handle:
        return read_po(handle, locale="zh_CN")


def test_every_source_string_is_in_the_catalogue():
    catalog = _catalog()
    missing = sorted(m for m in _source_messages() if m and m not in catalog)
    assert missing == []


def test_every_catalogue_entry_is_translated():
    catalog = _catalog()
    untranslated = sorted(
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    )
    assert untranslated == []


def test_no_fuzzy_entries():
    assert [m.id for m in _catalog() if m.id and m.fuzzy] == []
