"""API: management coverage (docs/domain.md#coverage), the share of communities with a term in
force."""

from __future__ import annotations

from pmsys import clock
from pmsys.api import bp
from pmsys.api.governance.committees import caller
from pmsys.api.helpers import api_login_required
from pmsys.api.inputs import choice_arg, day_arg
from pmsys.api.openapi import DATE, describe, errors, json_response, ref
from pmsys.errors import Forbidden
from pmsys.extensions import db
from pmsys.governance import access
from pmsys.governance.services import coverage as services


@bp.get("/reports/coverage")
@api_login_required
def coverage_report():
    """Coverage on a date by street or district, with the communities left without a term."""
    actor = caller()
    if not access.may_read_coverage(actor):
        raise Forbidden("coverage is for the bureau and the street offices",
                        code="forbidden")
    on = day_arg("on") or clock.today()
    level = choice_arg("level", services.LEVELS) or "street"
    return services.coverage(db.session, actor, on, level)


describe({
    "/reports/coverage": {
        "get": {
            "operationId": "getCoverage",
            "summary": "Management coverage: communities with a term in force on a date",
            "description": (
                "Over the communities the caller sees (street offices, the bureau, "
                "sysadmins), grouped by street or district, with the count per mode and the "
                "list of communities without a term in force and the end of their last one. "
                "`rate` is covered / communities to 4 places, half up."
            ),
            "tags": ["governance"],
            "parameters": [
                {"name": "on", "in": "query", "required": False,
                 "description": "The date; today (China Standard Time) by default.",
                 "schema": {**DATE, "pattern": r"^\d{4}-\d{2}-\d{2}$"}},
                {"name": "level", "in": "query", "required": False,
                 "description": "Group by `street` (default) or `district`.",
                 "schema": {"type": "string", "enum": list(services.LEVELS)}},
            ],
            "responses": {
                "200": json_response("The coverage.", ref("Coverage")),
                "400": json_response("A bad date (`invalid_date`) or level.", ref("Error")),
                **errors(401),
                "403": json_response("The caller's role does not read coverage.",
                                     ref("Error")),
            },
        },
    },
})
