"""The Excel exports of the report pages: one sheet per table, numbers kept as numbers.

An export holds the rows its page shows to the same reader (the page's own query
builds both); money and counts are numbers and rates fractions formatted as
percentages, so that the figures add up in the spreadsheet. A value over nothing
(a rate without a denominator) is an empty cell, not 0. No export carries a
phone number (docs/domain.md#privacy). The sheets themselves are written by
pmsys/spreadsheets.py, which keeps every text cell from becoming a formula.
"""

from __future__ import annotations

from flask import Response

from pmsys.spreadsheets import XLSX_MIMETYPE, add_sheet, new_book
from pmsys.spreadsheets import to_bytes as book_bytes

__all__ = ["COUNT_FORMAT", "DATE_FORMAT", "MONEY_FORMAT", "RATE_FORMAT", "add_sheet",
           "book_bytes", "download", "new_book"]

MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.00%"
COUNT_FORMAT = "0"
DATE_FORMAT = "yyyy-mm-dd"


def download(data: bytes, name: str) -> Response:
    """An .xlsx file as an attachment named `name` (ASCII: codes and dates)."""
    return Response(data, mimetype=XLSX_MIMETYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
