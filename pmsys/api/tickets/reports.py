"""API: ticket measures, GET /api/v1/reports/tickets
(docs/api.md#ticket-reports, docs/domain.md#measures)."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import g
from pydantic import Field

from pmsys import clock
from pmsys.api import bp
from pmsys.api.answer_types import Count, Ratio
from pmsys.api.helpers import api_login_required, require
from pmsys.api.typed import DAY_PATTERN, Answer, Day, ErrorCode, Params, endpoint
from pmsys.auth import permissions
from pmsys.extensions import db
from pmsys.memory import collector_paused
from pmsys.money import ratio_str
from pmsys.tickets.measures import DisputeMeasures, Measures
from pmsys.tickets.services import callbacks, disputes, reports

ReportDay = Annotated[Day | None, Field(json_schema_extra={"pattern": DAY_PATTERN}),
                      ErrorCode("invalid_date")]
Minutes = Annotated[float, Field(ge=0)]


class TicketReportQuery(Params):
    date_from: Annotated[ReportDay, Field(alias="from", description=(
        "First day (local date); 29 days before `to` by default."))] = None
    to: Annotated[ReportDay, Field(description=(
        "Last day (local date); today by default. A `to` before `from` makes an empty "
        "period."))] = None
    group: Annotated[Literal[reports.GROUPS], Field(description="How to group the tickets."),
                     ErrorCode("invalid_group")] = "org"


class TicketMeasuresTotal(Answer):
    """The same measures over every ticket of the report."""

    filed: Count
    responded: Count
    responded_on_time: Count
    resolved: Count
    resolved_on_time: Count
    rated: Count
    satisfied: Count
    reopens: Count
    disputes: Count
    response_rate: Ratio | None
    resolution_rate: Ratio | None
    on_time_rate: Ratio | None
    satisfaction_rate: Ratio | None
    reopen_rate: Ratio | None
    dispute_rate: Ratio | None
    median_response_minutes: Minutes | None
    median_resolution_minutes: Minutes | None
    disputes_raised: Annotated[Count, Field(description=(
        "Disputes this organisation raised (group `org`), or raised on this group's tickets; "
        "each dispute counts, whoever holds the ticket now."))]
    disputes_upheld: Annotated[Count, Field(description=(
        "Of those, disputes the arbiter upheld: the ticket was reassigned away."))]
    disputes_returned: Annotated[Count, Field(description=(
        "Of those, disputes the arbiter returned: the ticket was sent back."))]
    callbacks: Annotated[Count, Field(description=(
        "Follow-up calls (回访) by the street office that reached the reporter."))]
    callback_satisfaction_rate: Annotated[Ratio | None, Field(description=(
        "Of those, the share whose reporter was satisfied."))]


class TicketMeasures(TicketMeasuresTotal):
    """The measures of one group of tickets (docs/domain.md#measures)."""

    key: Annotated[str, Field(description="Organisation, community or category code, or "
                              "`YYYY-MM`.")]
    name: str


class TicketReport(Answer):
    """Ticket measures per group and in total."""

    items: list[TicketMeasures]
    total: TicketMeasuresTotal


_NO_CALLBACKS = callbacks.CallbackMeasures()


def measures_json(item: Measures, disputed: DisputeMeasures,
                  called: callbacks.CallbackMeasures | None = None, *,
                  with_key: bool = True) -> dict:
    """One group's measures: counts as integers, rates as 4-place strings, medians as numbers."""
    # Written out field by field, in the order of TicketMeasures: a city's report by
    # community writes 2,000 of these.
    response, resolution = item.median_response_minutes, item.median_resolution_minutes
    called = called or _NO_CALLBACKS
    body = {
        "filed": item.filed, "responded": item.responded,
        "responded_on_time": item.responded_on_time, "resolved": item.resolved,
        "resolved_on_time": item.resolved_on_time, "rated": item.rated,
        "satisfied": item.satisfied, "reopens": item.reopens, "disputes": item.disputes,
        "response_rate": ratio_str(item.response_rate),
        "resolution_rate": ratio_str(item.resolution_rate),
        "on_time_rate": ratio_str(item.on_time_rate),
        "satisfaction_rate": ratio_str(item.satisfaction_rate),
        "reopen_rate": ratio_str(item.reopen_rate),
        "dispute_rate": ratio_str(item.dispute_rate),
        "median_response_minutes": None if response is None else float(response),
        "median_resolution_minutes": None if resolution is None else float(resolution),
        "disputes_raised": disputed.raised, "disputes_upheld": disputed.upheld,
        "disputes_returned": disputed.returned,
        "callbacks": called.callbacks,
        "callback_satisfaction_rate": ratio_str(called.satisfaction_rate),
    }
    return {"key": item.key, "name": item.name, **body} if with_key else body


def measures_reader():
    """The caller, if they read ticket measures (a 403 comes before a 400)."""
    require(permissions.can_read_ticket_reports(g.api_user),
            "ticket measures are for the organisations that handle or watch tickets")
    return g.api_user


@bp.get("/reports/tickets")
@api_login_required
@endpoint(query=TicketReportQuery, find=measures_reader, tags=("tickets",),
          answers={200: ("The measures per group and in total.", TicketReport)},
          refusals={400: "A bad date (`invalid_date`), one before 1970 or after 2999 "
                         "(`invalid_period`) or an unknown group (`invalid_group`).",
                    403: "Residents do not read measures."})
def get_ticket_report(query: TicketReportQuery, found):
    """Ticket measures: rates of response, resolution, on time, satisfaction, reopens, disputes

    Over the tickets the caller may see (an operator: its organisation's; a manager: also its
    communities'; street offices, bureau and committee members: their communities') reported
    from `from` to `to` (local dates, China Standard Time, both included; the last 30 days by
    default), per `group`: `org` (the current assignee's code), `community`, `category` or
    `month` (`YYYY-MM`; every month of the period is listed, up to five years; beyond, the
    months from the first ticket to the last). Cancelled tickets count nowhere. response_rate
    = responded_on_time / tickets whose response deadline has passed or that were answered;
    resolution_rate = resolved (or closed) / filed; on_time_rate = resolved_on_time /
    resolved; satisfaction_rate = rated 4–5 / rated; reopen_rate = reopens / resolved;
    dispute_rate = disputes / filed (tickets disputed while in the group). disputes_raised
    counts each dispute against the organisation that raised it (group `org`; a group that
    raised disputes but holds none of the tickets now is listed with zero tickets),
    disputes_upheld those the arbiter upheld by reassigning the ticket away,
    disputes_returned those it sent back; the rest wait for a ruling. callbacks counts the
    street office's follow-up calls (回访) that reached the reporter, and
    callback_satisfaction_rate the share of them whose reporter was satisfied. Rates are decimal
    strings with 4 places, rounded half up, and medians minutes with one decimal, null when
    there is nothing to measure.
    """
    first, last = reports.default_period(clock.today())
    if query.date_from is None and query.to is not None:
        # "The last 30 days" of the period asked for, ending on `to` (a `to` before 1970 is
        # refused by the service, without counting back from it).
        first, _ = reports.default_period(max(query.to, reports.EARLIEST))
    period = {"date_from": query.date_from or first, "date_to": query.to or last,
              "group": query.group}
    # A city's report by community makes some 100,000 objects, none in a cycle: the cycle
    # collector, walking them again and again as they pile up, took 80-100 ms of ~420 (load 5).
    with collector_paused():
        report = reports.ticket_report(db.session, found, **period, trend=False)  # no trend
        disputed = disputes.dispute_report(db.session, found, **period)
        called, called_total = callbacks.callback_counts(db.session, found, **period)
        return {"items": [measures_json(item, counted, called.get(item.key))
                          for item, counted in disputes.with_disputes(report.items, disputed)],
                "total": measures_json(report.total, disputed.total, called_total,
                                       with_key=False)}
