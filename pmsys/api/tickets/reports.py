"""API: ticket measures, GET /api/v1/reports/tickets
(docs/api.md#ticket-reports, docs/domain.md#measures)."""

from __future__ import annotations

import re
from datetime import date

from flask import g, request

from pmsys import clock
from pmsys.api import bp
from pmsys.api.helpers import api_login_required, require
from pmsys.api.openapi import describe, errors, json_response, nullable, ref
from pmsys.auth import permissions
from pmsys.errors import InvalidInput
from pmsys.extensions import db
from pmsys.tickets.measures import DisputeMeasures, Measures
from pmsys.tickets.services import disputes, reports

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
COUNTS = ("filed", "responded", "responded_on_time", "resolved", "resolved_on_time", "rated",
          "satisfied", "reopens", "disputes")
RATES = ("response_rate", "resolution_rate", "on_time_rate", "satisfaction_rate",
         "reopen_rate", "dispute_rate")
MEDIANS = ("median_response_minutes", "median_resolution_minutes")
# Disputes against the organisation that raised them, with the ruling (docs/domain.md#measures).
DISPUTES = {"disputes_raised": "raised", "disputes_upheld": "upheld",
            "disputes_returned": "returned"}


def _day(name: str) -> date | None:
    value = request.args.get(name) or None
    if value is None:
        return None
    try:
        if not _DAY.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"bad {name}", code="invalid_date",
                           fields={name: "a date YYYY-MM-DD"}) from None


def measures_json(item: Measures, disputed: DisputeMeasures, *, with_key: bool = True) -> dict:
    """One group's measures: counts as integers, rates as 4-place strings, medians as numbers."""
    body = {"key": item.key, "name": item.name} if with_key else {}
    body.update({name: getattr(item, name) for name in COUNTS})
    for name in RATES:
        value = getattr(item, name)
        body[name] = None if value is None else str(value)
    for name in MEDIANS:
        value = getattr(item, name)
        body[name] = None if value is None else float(value)
    body.update({name: getattr(disputed, field) for name, field in DISPUTES.items()})
    return body


@bp.get("/reports/tickets")
@api_login_required
def ticket_report():
    """Ticket measures per organisation, community, category or month (docs/domain.md#measures)."""
    require(permissions.can_read_ticket_reports(g.api_user),
            "ticket measures are for the organisations that handle or watch tickets")
    first, last = reports.default_period(clock.today())
    date_from, date_to = _day("from"), _day("to")
    if date_from is None and date_to is not None:
        # "The last 30 days" of the period asked for, ending on `to`.
        first, _ = reports.default_period(date_to)
    group = request.args.get("group") or "org"
    period = {"date_from": date_from or first, "date_to": date_to or last, "group": group}
    report = reports.ticket_report(db.session, g.api_user, **period)
    disputed = disputes.dispute_report(db.session, g.api_user, **period)
    return {"items": [measures_json(item, counted)
                      for item, counted in disputes.with_disputes(report.items, disputed)],
            "total": measures_json(report.total, disputed.total, with_key=False)}


# A date of the years the service accepts (1970–2999); anything else answers 400.
_DAY_SCHEMA = {"type": "string", "format": "date",
               "pattern": r"^(19[7-9][0-9]|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"}
_COUNT = {"type": "integer", "minimum": 0}
_RATE = nullable({"type": "string", "pattern": r"^\d+\.\d{4}$", "examples": ["0.6667"]})
_MINUTES = nullable({"type": "number", "minimum": 0})
_MEASURE_PROPERTIES = {
    **{name: _COUNT for name in COUNTS},
    **{name: _RATE for name in RATES},
    **{name: _MINUTES for name in MEDIANS},
    "disputes_raised": {**_COUNT, "description": (
        "Disputes this organisation raised (group `org`), or raised on this group's "
        "tickets; each dispute counts, whoever holds the ticket now.")},
    "disputes_upheld": {**_COUNT, "description": (
        "Of those, disputes the arbiter upheld: the ticket was reassigned away.")},
    "disputes_returned": {**_COUNT, "description": (
        "Of those, disputes the arbiter returned: the ticket was sent back.")},
}


def _query(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


describe(
    {
        "/reports/tickets": {
            "get": {
                "operationId": "getTicketReport",
                "summary": "Ticket measures: response, resolution, on-time, satisfaction, "
                           "reopen and dispute rates, median times",
                "description": (
                    "Over the tickets the caller may see (an operator: its organisation's; "
                    "a manager: also its communities'; street offices, bureau and committee "
                    "members: their communities') reported from `from` to `to` (local dates, "
                    "China Standard Time, both included; the last 30 days by default), per "
                    "`group`: `org` (the current assignee's code), `community`, `category` or "
                    "`month` (`YYYY-MM`; every month of the period is listed, up to five years; "
                    "beyond, the months from the first ticket to the last). Cancelled "
                    "tickets count nowhere. response_rate = responded_on_time / tickets whose "
                    "response deadline has passed or that were answered; resolution_rate = "
                    "resolved (or closed) / filed; on_time_rate = resolved_on_time / resolved; "
                    "satisfaction_rate = rated 4–5 / rated; reopen_rate = reopens / resolved; "
                    "dispute_rate = disputes / filed (tickets disputed while in the group). "
                    "disputes_raised counts each dispute against the organisation that "
                    "raised it (group `org`; a group that raised disputes but holds none of "
                    "the tickets now is listed with zero tickets), disputes_upheld those the "
                    "arbiter upheld by reassigning the ticket away, disputes_returned those "
                    "it sent back; the rest wait for a ruling. Rates are decimal strings "
                    "with 4 places "
                    "and medians minutes with one decimal, null when there is nothing to "
                    "measure."
                ),
                "tags": ["tickets"],
                "parameters": [
                    _query("from", "First day (local date); 29 days before `to` by default.",
                           _DAY_SCHEMA),
                    _query("to", "Last day (local date); today by default. A `to` before "
                           "`from` makes an empty period.", _DAY_SCHEMA),
                    _query("group", "How to group the tickets.",
                           {"type": "string", "enum": list(reports.GROUPS), "default": "org"}),
                ],
                "responses": {
                    "200": json_response("The measures per group and in total.",
                                         ref("TicketReport")),
                    "400": json_response(
                        "A bad date (`invalid_date`), one before 1970 or after 2999 "
                        "(`invalid_period`) or an unknown group (`invalid_group`).",
                        ref("Error")),
                    **errors(401),
                    "403": json_response("Residents do not read measures.", ref("Error")),
                },
            }
        },
    },
    schemas={
        "TicketMeasures": {
            "type": "object",
            "description": "The measures of one group of tickets (docs/domain.md#measures).",
            "required": ["key", "name", *_MEASURE_PROPERTIES],
            "properties": {
                "key": {"type": "string", "description": "Organisation, community or "
                        "category code, or `YYYY-MM`."},
                "name": {"type": "string"},
                **_MEASURE_PROPERTIES,
            },
        },
        "TicketReport": {
            "type": "object",
            "required": ["items", "total"],
            "properties": {
                "items": {"type": "array", "items": ref("TicketMeasures")},
                "total": {
                    "type": "object",
                    "description": "The same measures over every ticket of the report.",
                    "required": list(_MEASURE_PROPERTIES),
                    "properties": _MEASURE_PROPERTIES,
                },
            },
        },
    },
)
