"""The Excel exports of the report pages: one sheet per table, numbers kept as numbers.

An export holds the rows its page shows to the same reader (the page's own query
builds both); money and counts are numbers and rates fractions formatted as
percentages, so that the figures add up in the spreadsheet. A value over nothing
(a rate without a denominator) is an empty cell, not 0. No export carries a
phone number (docs/domain.md#privacy).
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.00%"
COUNT_FORMAT = "0"
DATE_FORMAT = "yyyy-mm-dd"
DEFAULT_WIDTH = 12


def new_book() -> Workbook:
    """A workbook without its default empty sheet."""
    book = Workbook()
    book.remove(book.active)
    return book


def add_sheet(book: Workbook, title: str, header: Sequence[str], rows: Sequence[Sequence],
              formats: Sequence[str | None], widths: Sequence[int] = ()) -> None:
    """A sheet of one table: a bold frozen header, then rows formatted per column.

    `formats` has one number format (or None) per column; `widths` the first
    columns' widths in characters (the others DEFAULT_WIDTH).
    """
    sheet = book.create_sheet(str(title)[:31])
    sheet.append([str(cell) for cell in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
        for cell, number_format in zip(sheet[sheet.max_row], formats, strict=True):
            if number_format and cell.value is not None:
                cell.number_format = number_format
    sheet.freeze_panes = "A2"
    for index in range(len(header)):
        width = widths[index] if index < len(widths) else DEFAULT_WIDTH
        sheet.column_dimensions[get_column_letter(index + 1)].width = width


def book_bytes(book: Workbook) -> bytes:
    """The workbook as an .xlsx file in memory."""
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def download(data: bytes, name: str) -> Response:
    """An .xlsx file as an attachment named `name` (ASCII: codes and dates)."""
    return Response(data, mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
