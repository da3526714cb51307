"""API: the collection report, GET /api/v1/reports/collection
(docs/api.md#collection, docs/domain.md#collection)."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import g
from pydantic import Field

from pmsys.api import bp
from pmsys.api.answer_types import Count, Ratio
from pmsys.api.fees.bills import Period
from pmsys.api.fees.serializers import PeriodText
from pmsys.api.fees.serializers import SignedMoney as Money
from pmsys.api.helpers import api_login_required
from pmsys.api.typed import (
    DAY_PATTERN,
    Answer,
    Day,
    EmptyIsAbsent,
    ErrorCode,
    Params,
    endpoint,
)
from pmsys.extensions import db
from pmsys.fees import billing, rates, reports
from pmsys.money import ratio_str, yuan_str

ReportDayText = Annotated[str, Field(pattern=DAY_PATTERN, json_schema_extra={"format": "date"})]


class CollectionQuery(Params):
    # An empty value is the default, as it has always been read (tests/api/test_collection_api.py).
    period: Annotated[Period | None, EmptyIsAbsent, Field(description=(
        "The billing period YYYY-MM; last month by default.")), ErrorCode("invalid_period")] = None
    as_of: Annotated[Day | None, EmptyIsAbsent, Field(
        description="Count payments dated up to this day; today by default.",
        json_schema_extra={"pattern": DAY_PATTERN}), ErrorCode("invalid_date")] = None
    level: Annotated[Literal[reports.LEVELS] | None, EmptyIsAbsent, Field(
        description="How to group the bills.", json_schema_extra={"default": "community"}),
        ErrorCode("invalid_level")] = None


class CollectionFigures(Answer):
    """The same figures over every bill of the report."""

    billed: Money
    paid: Money
    rate_amount: Ratio | None
    households_billed: Count
    households_paid: Count
    rate_households: Ratio | None


class CollectionGroup(CollectionFigures):
    """The collection of one group for the period."""

    key: Annotated[str, Field(description="Community, street or district code, or the "
                              "management mode (`none` where there was no term).")]
    name: str


class CollectionMonth(CollectionFigures):
    """The totals of one period of the trend."""

    period: PeriodText


class ArrearsBuckets(Answer):
    """Owed per age of the bill in months: 0–3, 3–6, 6–12, over 12."""

    months_0_3: Annotated[Money, Field(alias="0-3")]
    months_3_6: Annotated[Money, Field(alias="3-6")]
    months_6_12: Annotated[Money, Field(alias="6-12")]
    months_over_12: Annotated[Money, Field(alias="12+")]


class ArrearsFigures(Answer):
    """What is owed in all and per age of the bill."""

    outstanding: Money
    buckets: ArrearsBuckets


class ArrearsGroup(ArrearsFigures):
    """What one group owes."""

    key: str
    name: str


class Arrears(Answer):
    """What is owed on `as_of` on the bills of the period and earlier."""

    as_of: ReportDayText
    items: list[ArrearsGroup]
    total: ArrearsFigures


class RecoveryFigures(Answer):
    """Arrears at the period's start, what was recovered of them, the rate."""

    arrears: Money
    recovered: Money
    rate: Ratio | None


class RecoveryGroup(RecoveryFigures):
    """The recovery of one group."""

    key: str
    name: str


class Recovery(Answer):
    """Of what was owed on the period's first day on earlier bills, what was paid within it."""

    period: PeriodText
    from_day: Annotated[ReportDayText, Field(alias="from")]
    to: ReportDayText
    items: list[RecoveryGroup]
    total: RecoveryFigures


class CollectionReport(Answer):
    """The collection per group and in total, with the trend, arrears and recovery."""

    period: PeriodText
    as_of: ReportDayText
    level: Literal[reports.LEVELS]
    items: list[CollectionGroup]
    total: CollectionFigures
    trend: Annotated[list[CollectionMonth], Field(description=(
        "The twelve periods up to `period`, oldest first."))]
    arrears: Arrears
    recovery: Recovery


def collection_json(item: rates.Collection, *, with_key: bool = True) -> dict:
    """One group's collection: money and ratios as decimal strings, households as integers."""
    figures = {
        "billed": yuan_str(item.billed),
        "paid": yuan_str(item.paid),
        "rate_amount": ratio_str(item.rate_amount),
        "households_billed": item.households_billed,
        "households_paid": item.households_paid,
        "rate_households": ratio_str(item.rate_households),
    }
    return {"key": item.key, "name": item.name, **figures} if with_key else figures


def arrears_json(item: rates.Arrears, *, with_key: bool = True) -> dict:
    """One group's arrears: the amount owed in all and per age bucket."""
    buckets = item.buckets
    figures = {"outstanding": yuan_str(item.outstanding),
               "buckets": {bucket: yuan_str(buckets[bucket]) for bucket in billing.AGE_BUCKETS}}
    return {"key": item.key, "name": item.name, **figures} if with_key else figures


def recovery_json(item: rates.Recovery, *, with_key: bool = True) -> dict:
    """One group's recovery: arrears at the period's start, what was recovered, the rate."""
    figures = {"arrears": yuan_str(item.arrears), "recovered": yuan_str(item.recovered),
               "rate": ratio_str(item.rate)}
    return {"key": item.key, "name": item.name, **figures} if with_key else figures


def report_json(report: reports.CollectionReport) -> dict:
    """The whole report: docs/api.md#collection's items and total, plus the trend, arrears and
    recovery."""
    return {
        "period": report.period,
        "as_of": report.as_of.isoformat(),
        "level": report.level,
        "items": [collection_json(item) for item in report.items],
        "total": collection_json(report.total, with_key=False),
        "trend": [{"period": month.key, **collection_json(month, with_key=False)}
                  for month in report.trend],
        "arrears": {
            "as_of": report.as_of.isoformat(),
            "items": [arrears_json(item) for item in report.arrears],
            "total": arrears_json(report.arrears_total, with_key=False),
        },
        "recovery": {
            "period": report.period,
            "from": report.recovery_from.isoformat(),
            "to": report.recovery_to.isoformat(),
            "items": [recovery_json(item) for item in report.recovery],
            "total": recovery_json(report.recovery_total, with_key=False),
        },
    }


def fee_reader():
    """The caller, if their role reads fee reports (a 403 comes before a 400)."""
    reports.require_reader(g.api_user)
    return g.api_user


@bp.get("/reports/collection")
@api_login_required
@endpoint(query=CollectionQuery, find=fee_reader, tags=("fees",),
          answers={200: ("The collection per group and in total, with the trend, arrears and "
                         "recovery.", CollectionReport)},
          refusals={400: "A bad period (`invalid_period`), day (`invalid_date`) or level "
                         "(`invalid_level`).",
                    403: "Residents and operators do not read fee reports "
                         "(`not_a_fee_reader`)."})
def get_collection_report(query: CollectionQuery, found):
    """Property fee collection rate, monthly trend, arrears by age and arrears recovery

    Over the bills of the communities the caller sees (managers, owners' committees, street
    offices, bureaus, sysadmins; residents and operators are refused), per `level`. billed =
    what the period's bills ask after adjustments; paid = what payments dated `as_of` or
    earlier allocated to them; rate_amount = paid / billed; households_paid = households
    whose bill for the period is paid in full; rate_households = households_paid /
    households_billed. `trend` holds the same totals for the twelve periods up to `period`,
    as of `as_of`. `arrears` is what is owed on `as_of` on the bills of its month and
    earlier, by the age of the bill. `recovery` is, of what was owed on the period's first
    day on earlier bills, what payments dated within the period (up to `as_of`) paid. Money
    and ratios are decimal strings (ratios to 4 places, both rounded half up); a ratio over
    nothing is null.
    """
    report = reports.collection_report(db.session, found, period=query.period,
                                       as_of=query.as_of, level=query.level or "community")
    return report_json(report)
