"""API: management coverage (docs/domain.md#coverage), the share of communities with a term in
force."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from pmsys import clock
from pmsys.api import bp
from pmsys.api.governance.committees import caller
from pmsys.api.governance.serializers import Coverage, ThreeCoverages, three_coverages_json
from pmsys.api.helpers import api_login_required
from pmsys.api.typed import Code, Day, ErrorCode, Params, endpoint
from pmsys.errors import Forbidden
from pmsys.extensions import db
from pmsys.governance import access
from pmsys.governance.services import coverage as services
from pmsys.governance.services import three_coverages


class CoverageQuery(Params):
    on: Annotated[Day | None, Field(description="The date; today (China Standard Time) by "
                                    "default."), ErrorCode("invalid_date")] = None
    level: Annotated[Literal[services.LEVELS], Field(description="Group by `street` (default) "
                                                     "or `district`."),
                     ErrorCode("invalid_filter")] = "street"


def coverage_reader():
    """The caller, if their role reads coverage (a 403 comes before a 400)."""
    actor = caller()
    if not access.may_read_coverage(actor):
        raise Forbidden("coverage is for the bureau and the street offices", code="forbidden")
    return actor


@bp.get("/reports/coverage")
@api_login_required
@endpoint(query=CoverageQuery, answers={200: ("The coverage.", Coverage)}, refusals={
    400: "A bad date (`invalid_date`) or level (`invalid_filter`).",
    403: "The caller's role does not read coverage."}, tags=("governance",),
    find=coverage_reader)
def get_coverage(query: CoverageQuery, found):
    """Management coverage: communities with a term in force on a date.

    Over the communities the caller sees (street offices, the bureau, sysadmins), grouped by
    street or district, with the count per mode and the list of communities without a term
    in force and the end of their last one. `rate` is covered / communities to 4 places, half
    up.
    """
    return services.coverage(db.session, found, query.on or clock.today(), query.level)


class ThreeCoveragesQuery(Params):
    on: Annotated[Day | None, Field(description="The date; today (China Standard Time) by "
                                    "default."), ErrorCode("invalid_date")] = None
    region: Annotated[Code | None, Field(description=(
        "A city, district or street code within the caller's own region; by default the "
        "caller's own region (a sysadmin's: every region)."))] = None


@bp.get("/reports/three-coverages")
@api_login_required
@endpoint(query=ThreeCoveragesQuery,
          answers={200: ("The three coverages per child region.", ThreeCoverages)},
          refusals={400: "A bad date (`invalid_date`).",
                    403: "The caller's role does not read coverage.",
                    404: "A region outside the caller's own (`region_not_found`)."},
          tags=("governance",), find=coverage_reader)
def get_three_coverages(query: ThreeCoveragesQuery, found):
    """The three full coverages (三个全覆盖): management, committee, Party organisation.

    Over the communities the caller sees within `region`, one item per child region (the
    districts of a city, the streets of a district; a street is its own only item): how many
    communities have a management term in force on `on` (`managed`), an owners' committee or
    an interim management committee in office on `on` (`committee`), and a Party
    organisation recorded (`party`). `missing` lists the codes of the communities without
    each. Readers as the management coverage.
    """
    report = three_coverages.three_coverages(db.session, found, query.on or clock.today(),
                                             query.region)
    return three_coverages_json(report)
