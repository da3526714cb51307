"""Payments from an Excel file (.xlsx), as a bank or a payment platform exports them.

The first sheet is read; its header row names the columns, in English or in
Chinese (收据号, 房屋, 金额, 缴费日期, 缴费方式, 所属期). Each row is posted through
`services.post_payment` in its own savepoint, so a refused row changes nothing
and the others still post; the answer is a report per row: posted, unchanged
(the receipt was already posted) or refused with the reason. Amounts may be
numbers or text in Excel; they become Decimal through their text, never through
float arithmetic.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from pmsys import money
from pmsys.auth import permissions
from pmsys.errors import DomainError, Forbidden, InvalidInput, NotFound
from pmsys.fees import billing, services
from pmsys.models.auth import Role
from pmsys.models.fees import PaymentMethod
from pmsys.models.places import Community

MAX_BYTES = 5 * 1024 * 1024
# What the sheets may unpack to: a small file of XML that inflates to gigabytes is refused.
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_ROWS = 10_000
# Bank exports often put a title and a date range above the header row.
HEADER_SEARCH_ROWS = 10

COLUMNS = {
    "receipt_no": ("receipt_no", "receipt", "收据号", "票据号"),
    "household": ("household", "房屋", "户号"),
    "amount": ("amount", "金额"),
    "paid_on": ("paid_on", "缴费日期"),
    "method": ("method", "缴费方式"),
    "period": ("period", "所属期"),
}
REQUIRED = ("receipt_no", "household", "amount", "paid_on", "method")
METHODS = {
    **{method.value: method.value for method in PaymentMethod},
    "现金": "cash", "银行": "bank", "银行转账": "bank", "转账": "bank", "微信": "wechat",
    "微信支付": "wechat", "支付宝": "alipay", "其他": "other", "其它": "other",
}
_DAY = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?$")
_MONTH = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")


class ImportTooLarge(DomainError):
    """The file is larger than an import may be (413)."""

    status = 413
    code = "too_large"


@dataclass
class SheetRow:
    """One row of the sheet: its number in Excel and its values as the service takes them."""

    number: int
    values: dict[str, object]


@dataclass
class RowResult:
    """What became of one row."""

    row: int
    receipt_no: str | None
    household: str | None
    amount: str | None
    status: str  # posted | unchanged | refused
    code: str | None = None
    reason: str | None = None
    payment_id: int | None = None


@dataclass
class ImportReport:
    """The row-by-row report of an import."""

    rows: list[RowResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)


# --- reading the sheet (pure) ----------------------------------------------------------

def _not_xlsx() -> InvalidInput:
    return InvalidInput("the file is not an Excel workbook (.xlsx)", code="not_xlsx",
                        fields={"file": "an .xlsx file"})


def _header_key(value) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip().lower().replace(" ", "_")
    for key, names in COLUMNS.items():
        if text in names:
            return key
    return None


def _text(value) -> str | None:
    """A cell as text: whole numbers without ".0", other numbers through their repr."""
    if value is None or isinstance(value, bool):
        return None if value is None else str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    text = str(value).strip()
    return text or None


def _amount(value):
    """A cell's amount for `services.money`: text through str(), never float arithmetic."""
    if value is None:
        return None
    if isinstance(value, (bool, datetime, date)):
        return "not a number"
    if isinstance(value, (int, float)):
        # str() of a float is the shortest text that reads back as it: 62.5 → "62.5".
        return str(value)
    return str(value).strip().replace(",", "").replace("¥", "").replace("￥", "")


def _day(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    match = _DAY.match(text) if text else None
    if match is None:
        return text
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return text


def _period(value):
    if isinstance(value, (datetime, date)):
        # Excel turns "2025-06" typed into a cell into the first of June.
        return billing.period_of(value)
    text = _text(value)
    match = _MONTH.match(text) if text else None
    if match is None:
        return text
    return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"


def _method(value):
    text = _text(value)
    if text is None:
        return None
    return METHODS.get(text.lower(), METHODS.get(text, text))


_CONVERT = {"receipt_no": _text, "household": _text, "amount": _amount, "paid_on": _day,
            "method": _method, "period": _period}


def _open_sheet(data: bytes):
    from openpyxl import load_workbook

    if not data.startswith(b"PK\x03\x04"):
        raise _not_xlsx()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _not_xlsx() from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportTooLarge("the workbook unpacks to more than an import may hold",
                             fields={"file": "too large"})
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        return workbook, workbook.worksheets[0]
    except Exception:
        # openpyxl refuses a damaged or foreign file with many kinds of error
        # (KeyError, BadZipFile, InvalidFileException, lxml's); they all mean "not .xlsx".
        raise _not_xlsx() from None


def read_rows(data: bytes) -> list[SheetRow]:
    """The payment rows of the workbook's first sheet; InvalidInput for a file that is not one."""
    if len(data) > MAX_BYTES:
        raise ImportTooLarge(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB",
                             fields={"file": "too large"})
    workbook, sheet = _open_sheet(data)
    try:
        columns: dict[str, int] | None = None
        rows: list[SheetRow] = []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            if columns is None:
                found = {}
                for index, cell in enumerate(cells):
                    key = _header_key(cell)
                    if key is not None and key not in found:
                        found[key] = index
                if all(key in found for key in REQUIRED):
                    columns = found
                elif number >= HEADER_SEARCH_ROWS:
                    break
                continue
            if all(cell is None or (isinstance(cell, str) and not cell.strip())
                   for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise InvalidInput(f"at most {MAX_ROWS} rows may be imported at once",
                                   code="too_many_rows", fields={"file": f"{MAX_ROWS} rows"})
            values = {key: _CONVERT[key](cells[index] if index < len(cells) else None)
                      for key, index in columns.items()}
            rows.append(SheetRow(number=number, values=values))
    except DomainError:
        raise
    except Exception:
        raise _not_xlsx() from None
    finally:
        workbook.close()
    if columns is None:
        raise InvalidInput(
            "no header row with receipt_no, household, amount, paid_on and method",
            code="missing_columns", fields={"file": ", ".join(REQUIRED)})
    return rows


# --- posting ---------------------------------------------------------------------------

def may_import(actor) -> bool:
    """Whether `actor`'s role records payments anywhere (the services decide each row)."""
    return permissions.is_active_user(actor) and actor.role in (Role.manager, Role.sysadmin)


def _post_row(session: Session, actor, row: SheetRow, community: Community | None):
    values = row.values
    path = values.get("household")
    if community is not None and isinstance(path, str) and path.split("/")[0] != community.code:
        raise InvalidInput(f"{path} is not a household of {community.code}",
                           code="other_community", fields={"household": community.code})
    try:
        household = services.household_by_path(session, path)
    except InvalidInput as error:
        if error.fields.get("household") == "unknown":
            # An unknown household reads like one the caller may not see (404).
            raise NotFound(f"no household {path}", code="household_not_found") from None
        raise
    return services.post_payment(
        session, actor, receipt_no=values.get("receipt_no"), household=household,
        amount=values.get("amount"), paid_on=values.get("paid_on"),
        method=values.get("method"), period_text=values.get("period"))


def import_payments(session: Session, actor, data: bytes,
                    community: Community | None = None) -> ImportReport:
    """Post every payment row of an .xlsx file, each on its own; report per row.

    With `community`, rows of other communities' households are refused. Flushes,
    does not commit.
    """
    if not may_import(actor):
        raise Forbidden("only a community's manager imports payments", code="not_the_manager")
    rows = read_rows(data)
    report = ImportReport()
    for row in rows:
        values = row.values
        result = RowResult(row=row.number, receipt_no=_text(values.get("receipt_no")),
                           household=_text(values.get("household")),
                           amount=_text(values.get("amount")), status="refused")
        try:
            with session.begin_nested():
                payment, created = _post_row(session, actor, row, community)
        except DomainError as error:
            result.code, result.reason = error.code, error.message
        else:
            result.status = "posted" if created else "unchanged"
            result.payment_id = payment.id
            result.amount = money.yuan_str(payment.amount)
        report.rows.append(result)
    return report


def report_json(report: ImportReport) -> dict:
    """The report as the API answers it."""
    return {
        "posted": report.count("posted"),
        "unchanged": report.count("unchanged"),
        "refused": report.count("refused"),
        "rows": [
            {"row": r.row, "receipt_no": r.receipt_no, "household": r.household,
             "amount": r.amount, "status": r.status, "code": r.code, "reason": r.reason,
             "payment": r.payment_id}
            for r in report.rows
        ],
    }

