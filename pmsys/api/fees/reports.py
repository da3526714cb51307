"""API: the collection report, GET /api/v1/reports/collection
(docs/api.md#collection, docs/domain.md#collection)."""

from __future__ import annotations

from decimal import Decimal

from flask import g, request

from pmsys.api import bp
from pmsys.api.helpers import api_login_required
from pmsys.api.openapi import describe, errors, json_response, nullable, ref
from pmsys.extensions import db
from pmsys.fees import billing, rates, reports


def _ratio(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def collection_json(item: rates.Collection, *, with_key: bool = True) -> dict:
    """One group's collection: money and ratios as decimal strings, households as integers."""
    body = {"key": item.key, "name": item.name} if with_key else {}
    body.update({
        "billed": str(item.billed),
        "paid": str(item.paid),
        "rate_amount": _ratio(item.rate_amount),
        "households_billed": item.households_billed,
        "households_paid": item.households_paid,
        "rate_households": _ratio(item.rate_households),
    })
    return body


def arrears_json(item: rates.Arrears, *, with_key: bool = True) -> dict:
    """One group's arrears: the amount owed in all and per age bucket."""
    body = {"key": item.key, "name": item.name} if with_key else {}
    body["outstanding"] = str(item.outstanding)
    body["buckets"] = {bucket: str(item.buckets[bucket]) for bucket in billing.AGE_BUCKETS}
    return body


def recovery_json(item: rates.Recovery, *, with_key: bool = True) -> dict:
    """One group's recovery: arrears at the period's start, what was recovered, the rate."""
    body = {"key": item.key, "name": item.name} if with_key else {}
    body.update({"arrears": str(item.arrears), "recovered": str(item.recovered),
                 "rate": _ratio(item.rate)})
    return body


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


@bp.get("/reports/collection")
@api_login_required
def collection_report():
    """Fee collection per community, street, district or mode, with trend, arrears, recovery."""
    report = reports.collection_report(
        db.session, g.api_user,
        period=request.args.get("period") or None,
        as_of=request.args.get("as_of") or None,
        level=request.args.get("level") or "community",
    )
    return report_json(report)


# --- OpenAPI -----------------------------------------------------------------------------------

# The values the service accepts (1970–2999); anything else answers 400.
_YEAR = r"(19[7-9][0-9]|2[0-9]{3})"
_PERIOD_SCHEMA = {"type": "string", "pattern": rf"^{_YEAR}-(0[1-9]|1[0-2])$",
                  "examples": ["2025-06"]}
_DAY_SCHEMA = {"type": "string", "format": "date",
               "pattern": rf"^{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"}
_MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["62.50"]}
_RATE = nullable({"type": "string", "pattern": r"^\d+\.\d{4}$", "examples": ["0.6667"]})
_COUNT = {"type": "integer", "minimum": 0}
_FIGURES = {
    "billed": _MONEY, "paid": _MONEY, "rate_amount": _RATE,
    "households_billed": _COUNT, "households_paid": _COUNT, "rate_households": _RATE,
}
_GROUP = {"key": {"type": "string", "description": "Community, street or district code, or "
                  "the management mode (`none` where there was no term)."},
          "name": {"type": "string"}}
_BUCKETS = {"type": "object", "required": list(billing.AGE_BUCKETS),
            "properties": {bucket: _MONEY for bucket in billing.AGE_BUCKETS},
            "description": "Owed per age of the bill in months: 0–3, 3–6, 6–12, over 12."}
_ARREARS = {"outstanding": _MONEY, "buckets": _BUCKETS}
_RECOVERY = {"arrears": _MONEY, "recovered": _MONEY, "rate": _RATE}


def _object(properties: dict, description: str = "") -> dict:
    schema = {"type": "object", "required": list(properties), "properties": properties}
    if description:
        schema["description"] = description
    return schema


def _query(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


describe(
    {
        "/reports/collection": {
            "get": {
                "operationId": "getCollectionReport",
                "summary": "Property fee collection rate, monthly trend, arrears by age and "
                           "arrears recovery",
                "description": (
                    "Over the bills of the communities the caller sees (managers, owners' "
                    "committees, street offices, bureaus, sysadmins; residents and operators "
                    "are refused), per `level`. billed = what the period's bills ask after "
                    "adjustments; paid = what payments dated `as_of` or earlier allocated to "
                    "them; rate_amount = paid / billed; households_paid = households whose "
                    "bill for the period is paid in full; rate_households = households_paid "
                    "/ households_billed. `trend` holds the same totals for the twelve "
                    "periods up to `period`, as of `as_of`. `arrears` is what is owed on "
                    "`as_of` on the bills of its month and earlier, by the age of the bill. "
                    "`recovery` is, of what was owed on the period's first day on earlier "
                    "bills, what payments dated within the period (up to `as_of`) paid. "
                    "Money and ratios are decimal strings; a ratio over nothing is null."
                ),
                "tags": ["fees"],
                "parameters": [
                    _query("period", "The billing period YYYY-MM; last month by default.",
                           _PERIOD_SCHEMA),
                    _query("as_of", "Count payments dated up to this day; today by default.",
                           _DAY_SCHEMA),
                    _query("level", "How to group the bills.",
                           {"type": "string", "enum": list(reports.LEVELS),
                            "default": "community"}),
                ],
                "responses": {
                    "200": json_response("The collection per group and in total, with the "
                                         "trend, arrears and recovery.",
                                         ref("CollectionReport")),
                    "400": json_response(
                        "A bad period (`invalid_period`), day (`invalid_date`) or level "
                        "(`invalid_level`).", ref("Error")),
                    **errors(401),
                    "403": json_response("Residents and operators do not read fee reports "
                                         "(`not_a_fee_reader`).", ref("Error")),
                },
            }
        },
    },
    schemas={
        "CollectionGroup": _object({**_GROUP, **_FIGURES},
                                   "The collection of one group for the period."),
        "CollectionReport": _object({
            "period": _PERIOD_SCHEMA,
            "as_of": _DAY_SCHEMA,
            "level": {"type": "string", "enum": list(reports.LEVELS)},
            "items": {"type": "array", "items": ref("CollectionGroup")},
            "total": _object(_FIGURES, "The same figures over every bill of the report."),
            "trend": {"type": "array", "items": _object({"period": _PERIOD_SCHEMA, **_FIGURES}),
                      "description": "The twelve periods up to `period`, oldest first."},
            "arrears": _object({
                "as_of": _DAY_SCHEMA,
                "items": {"type": "array", "items": _object({**_GROUP, **_ARREARS})},
                "total": _object(_ARREARS),
            }),
            "recovery": _object({
                "period": _PERIOD_SCHEMA,
                "from": _DAY_SCHEMA,
                "to": _DAY_SCHEMA,
                "items": {"type": "array", "items": _object({**_GROUP, **_RECOVERY})},
                "total": _object(_RECOVERY),
            }),
        }),
    },
)
