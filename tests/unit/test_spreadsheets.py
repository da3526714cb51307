"""Excel exports never carry a live formula (docs/reliability.md#exports)."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pmsys import spreadsheets

ROOT = Path(__file__).resolve().parents[2] / "pmsys"


@pytest.mark.parametrize("text", [
    '=HYPERLINK("http://x","y")', "+1+2", "-1+cmd|' /C calc'!A0", "@SUM(A1:A2)",
    "\t=1+1", "\r=1+1",
])
def test_text_that_could_start_a_formula_is_written_as_text(text):
    book = spreadsheets.new_book()
    spreadsheets.add_sheet(book, "t", ["name", "amount"], [[text, -12.5]], [None, "0.00"])
    sheet = load_workbook(BytesIO(spreadsheets.to_bytes(book))).worksheets[0]
    name, amount = sheet["A2"], sheet["B2"]
    # XML reads a lone carriage return back as a line feed.
    assert name.data_type == "s" and name.value == "'" + text.replace("\r", "\n")
    assert amount.data_type == "n" and amount.value == -12.5  # numbers stay numbers


def test_ordinary_text_and_numbers_are_unchanged():
    book = spreadsheets.new_book()
    spreadsheets.add_sheet(book, "t", ["name", "n"], [["供销楼小区 = 1", 3], ["", None]])
    sheet = load_workbook(BytesIO(spreadsheets.to_bytes(book))).worksheets[0]
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["name", "n"], ["供销楼小区 = 1", 3], [None, None]]


def test_every_workbook_of_pmsys_is_written_by_the_spreadsheets_module():
    """A new export that builds its own Workbook would skip the neutralising."""
    writers = [path.relative_to(ROOT).as_posix() for path in ROOT.rglob("*.py")
               if re.search(r"\bWorkbook\(|\.append\(\[?.*\bsheet\b|\bcreate_sheet\(",
                            path.read_text(encoding="utf-8"))]
    assert writers == ["spreadsheets.py"]
