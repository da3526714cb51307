"""Excel exports: every sheet of pmsys is written here, and no text cell is ever a formula.

A spreadsheet program runs a cell that starts with = (and, in some programs, +, -
or @) as a formula, and a tab or carriage return can smuggle one in after a
cell separator when the sheet is saved as CSV. Names come from imports and
residents, so every text value that starts with one of these is written as
text with a leading apostrophe, as OWASP's CSV-injection guidance advises, and
stored as a string cell; numbers stay numbers (docs/reliability.md#exports).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DEFAULT_WIDTH = 12
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutral(value):
    """`value` safe for a cell: text that could start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def new_book() -> Workbook:
    """An empty workbook (its default sheet removed)."""
    book = Workbook()
    book.remove(book.active)
    return book


def add_sheet(book: Workbook, title: str, header: Sequence, rows: Iterable[Sequence],
              formats: Sequence[str | None] | None = None,
              widths: Sequence[int] = ()) -> None:
    """A sheet of one table: a bold frozen header, then rows; `formats` per column for numbers.

    `widths`: the first columns' widths in characters (the others DEFAULT_WIDTH).
    """
    sheet = book.create_sheet(str(title)[:31])
    _append(sheet, [str(cell) for cell in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        _append(sheet, row)
        if formats:
            for cell, number_format in zip(sheet[sheet.max_row], formats, strict=True):
                if number_format and cell.value is not None and cell.data_type != "s":
                    cell.number_format = number_format
    sheet.freeze_panes = "A2"
    for index in range(len(header)):
        width = widths[index] if index < len(widths) else DEFAULT_WIDTH
        sheet.column_dimensions[get_column_letter(index + 1)].width = width


def _append(sheet, values: Sequence) -> None:
    sheet.append([neutral(value) for value in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = TYPE_STRING  # never "f" (a formula), whatever the text


def to_bytes(book: Workbook) -> bytes:
    """The workbook as an .xlsx file in memory."""
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
