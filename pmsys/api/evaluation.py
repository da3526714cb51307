"""API: the evaluation (考核评价) of managing organisations and the street offices' inspection
deductions (docs/api.md#evaluation, docs/domain.md#evaluation)."""

from __future__ import annotations

from typing import Annotated

from flask import g
from pydantic import Field

from pmsys.api import bp
from pmsys.api.answer_types import Id, Moment
from pmsys.api.helpers import api_login_required
from pmsys.api.tickets.serializers import time_str
from pmsys.api.typed import Answer, Code, Day, ErrorCode, Input, Params, endpoint, number, text
from pmsys.evaluation import periods, services
from pmsys.evaluation.scoring import ITEMS
from pmsys.extensions import db
from pmsys.models.auth import Organization

Score = Annotated[str, Field(pattern=r"^\d+\.\d{2}$", examples=["87.35"])]
Value = Annotated[str, Field(pattern=r"^\d+\.\d+$", examples=["0.9500"])]


class EvaluationQuery(Params):
    period: Annotated[str, Field(pattern=periods.PATTERN, description=(
        "A year `YYYY`, a month `YYYY-MM`, or a half month `YYYY-MM-1` (days 1–15) / "
        "`YYYY-MM-2`.")), ErrorCode("invalid_period")]
    region: Annotated[Code | None, Field(description=(
        "A city, district or street code; by default the caller's own region."))] = None


class ItemAnswer(Answer):
    value: Annotated[Value | None, Field(description=(
        "The rate (4 places), or for `inspection` the points deducted; null: nothing to "
        "measure."))]
    weight: Annotated[Score, Field(description=(
        "The weight used: the sheet's, grown by the weights of missing items; 0 for a "
        "missing item."))]
    points: Score | None


class OrgScoreAnswer(Answer):
    org: str
    name: str
    score: Annotated[Score | None, Field(description="Null: nothing measured, not rated.")]
    rank: Annotated[int | None, Field(ge=1, description="Equal scores share a rank.")]
    tier: str | None
    reward: Annotated[bool, Field(description="The tier earns a reward (以奖代补).")]
    items: Annotated[dict[str, ItemAnswer], Field(description="By item: " + ", ".join(ITEMS))]


class EvaluationAnswer(Answer):
    items: list[OrgScoreAnswer]


@bp.get("/reports/evaluation")
@api_login_required
@endpoint(query=EvaluationQuery, tags=("evaluation",),
          answers={200: ("Every managing organisation, ranked.", EvaluationAnswer)},
          refusals={400: "A bad period (`invalid_period`).",
                    404: "A region outside the caller's own (`region_not_found`), or, for "
                         "those who read published bulletins only, no bulletin published for "
                         "this period and region (`bulletin_not_found`)."})
def get_evaluation(query: EvaluationQuery):
    """The evaluation (考核评价) of every managing organisation of a region in a period

    The bureau, the street offices and sysadmins read the scores as they stand; everyone
    else reads a bulletin the bureau published for this `period` and `region`. Each
    organisation's score is the sum of the points of the city's score sheet (setting
    `evaluation_sheet`): fee collection rate, ticket on-time rate, satisfaction (ratings),
    follow-up call satisfaction, reopen and dispute rates, inspection deductions. A missing
    item's weight goes to the other rate items; an organisation with nothing measured has
    no score. Equal scores share a rank; the tier follows the setting `evaluation_tiers`.
    """
    actor = g.api_user
    if not services.may_read_scores(actor):
        return {"items": services.published(db.session, period=query.period,
                                            region=query.region).scores}
    result = services.evaluate(db.session, actor, period=query.period, region=query.region)
    return {"items": services.scores_json(result.scores)}


class NewDeduction(Input):
    on: Annotated[Day, Field(description="The day of the inspection, not after today.")]
    points: Annotated[number("2.5"), Field(description="From 0.1 to 100, one decimal.")]
    note: text(services.MAX_NOTE, 1)


class DeductionAnswer(Answer):
    id: Id
    org: str
    on: Annotated[str, Field(json_schema_extra={"format": "date"})]
    points: Annotated[str, Field(pattern=r"^\d+\.\d$")]
    note: str
    photo: bool


def deduction_json(deduction, org: Organization) -> dict:
    return {"id": deduction.id, "org": org.code, "on": deduction.on.isoformat(),
            "points": f"{deduction.points:.1f}", "note": deduction.note,
            "photo": deduction.photo_name is not None}


@bp.post("/orgs/<code>/deductions")
@api_login_required
@endpoint(body=NewDeduction, tags=("evaluation",), path={"code": "The organisation's code."},
          answers={201: ("The deduction, recorded.", DeductionAnswer)},
          refusals={400: "Bad points, a day after today or no note.",
                    403: "Not the street or community office of a community the "
                         "organisation manages on that day (`not_your_org`).",
                    404: "No such organisation (`org_not_found`)."},
          find=lambda code: services.org_or_404(db.session, code))
def add_deduction(code: str, body: NewDeduction, found: Organization):
    """Deduct inspection points from a managing organisation (street offices)

    The office of a community the organisation manages on the inspection day enters the
    points and what it found; they count in the evaluation's `inspection` item of the
    periods holding that day. The photo is uploaded on the deductions page.
    """
    deduction = services.record_deduction(db.session, g.api_user, found, on=body.on,
                                          points=body.points, note=body.note)
    return deduction_json(deduction, found), 201


class NewBulletin(Input):
    period: Annotated[str, Field(pattern=periods.PATTERN, description=(
        "A year `YYYY`, a month `YYYY-MM`, or a half month `YYYY-MM-1` / `YYYY-MM-2`.")),
        ErrorCode("invalid_period")]
    region: Annotated[Code, Field(description="The city, district or street it covers.")]


class BulletinAnswer(Answer):
    id: Id
    region: str
    period: str
    published_at: Moment
    items: list[OrgScoreAnswer]


@bp.post("/evaluation/bulletins")
@api_login_required
@endpoint(body=NewBulletin, tags=("evaluation",),
          answers={201: ("The bulletin, published.", BulletinAnswer)},
          refusals={400: "A bad period or no region.",
                    403: "Not the housing bureau (`not_your_action`).",
                    404: "A region outside the bureau's own (`region_not_found`).",
                    409: "This period's bulletin of the region is already published "
                         "(`already_published`)."})
def publish_bulletin(body: NewBulletin):
    """Publish the ranked scores of a region and period as a bulletin (the bureau; 半月通报)

    The bulletin keeps the scores as they are when published; managers, committees and
    residents read it with `GET /reports/evaluation`. A period is published once.
    """
    bulletin = services.publish(db.session, g.api_user, period=body.period, region=body.region)
    return {"id": bulletin.id, "region": body.region, "period": bulletin.period,
            "published_at": time_str(bulletin.published_at), "items": bulletin.scores}, 201
