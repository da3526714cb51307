"""Projects: recording one with its items, the communities' sign-offs and the joint acceptance
(docs/domain.md#projects).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys import audit, clock, money
from pmsys.assets.acceptance import acceptance_problems
from pmsys.assets.services.register import (
    CODE_RULE,
    checked_text,
    heating_season_for,
    organization_of,
    parse_day,
    refresh_warranty,
    require_keeper,
    valid_code,
)
from pmsys.assets.warranty import HeatingSeason
from pmsys.auth import permissions
from pmsys.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from pmsys.governance.services import active_committees, plans
from pmsys.models.assets import (
    ITEM_KINDS,
    Asset,
    ItemClass,
    Project,
    ProjectCommunity,
    ProjectItem,
)
from pmsys.models.auth import OrgKind, Role
from pmsys.models.places import Community
from pmsys.settings import get_setting
from pmsys.surveys import services as surveys

# The longest reason for typing a satisfaction rate instead of the survey's.
REASON_MAX = 1000


def _rate(value) -> Decimal:
    """A ratio given as a decimal string or number; a float goes through its shortest text."""
    rate = Decimal("NaN")
    if isinstance(value, str | int | float | Decimal) and not isinstance(value, bool):
        try:
            rate = Decimal(str(value))  # str(0.9) == "0.9", not 0.90000000000000002…
        except InvalidOperation:
            pass
    if not rate.is_finite():
        raise InvalidInput("the satisfaction rate must be a decimal such as 0.95",
                           fields={"satisfaction_rate": "not a decimal"})
    return rate


def create_project(
    session: Session,
    actor,
    *,
    code: str,
    name: str = "",
    year: int,
    contractor: str | None = None,
    communities: list[str],
    items: list[dict] | None = None,
    completed_on: date | str | None = None,
) -> Project:
    """Record a renovation project with its communities and items (docs/domain.md#projects).

    Only register keepers (bureau admins, sysadmins) may; a community they cannot
    see is reported as unknown, like one that does not exist.
    """
    if not permissions.may_keep_registers(actor):
        raise Forbidden("only the housing bureau records renovation projects")
    fields = {}
    if not valid_code(code):
        fields["code"] = CODE_RULE
    if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
        fields["year"] = "a year between 1990 and 2100"
    if (
        not isinstance(communities, list)
        or not communities
        or not all(isinstance(c, str) for c in communities)
    ):
        fields["communities"] = "a non-empty list of community codes"
    if not isinstance(items, list | None) or not all(isinstance(i, dict) for i in items or []):
        fields["items"] = "a list of items, each with a kind and a class"
    if fields:
        raise InvalidInput("the project is incomplete", fields=fields)
    items = items or []
    title = checked_text(name, "name", 200)
    finished = parse_day(completed_on, "completed_on")
    found = {
        c.code: c
        for c in session.scalars(
            select(Community).where(
                Community.code.in_(communities), permissions.community_clause(actor)
            )
        )
    }
    unknown = [c for c in communities if c not in found]
    if unknown:
        raise InvalidInput("unknown communities: " + ", ".join(unknown),
                           fields={"communities": "unknown: " + ", ".join(unknown)})
    require_keeper(session, actor, list(found.values()))
    if session.scalar(select(Project.id).where(Project.code == code)) is not None:
        raise Conflict(f"project {code} exists", code="duplicate_code", fields={"code": "taken"})
    builder = organization_of(session, contractor, "contractor", {OrgKind.contractor})
    project = Project(code=code, name=title, year=year, contractor=builder,
                      completed_on=finished)
    for community_code in dict.fromkeys(communities):
        project.community_links.append(ProjectCommunity(community=found[community_code]))
    for index, item in enumerate(items):
        project.items.append(_item(session, item, found, index))
    session.add(project)
    session.flush()
    audit.record(session, actor, "project_created", "project", code,
                 communities=list(dict.fromkeys(communities)), items=len(items))
    return project


def _item(session: Session, item: dict, communities: dict[str, Community], index: int):
    where = f"items[{index}]"
    kind, klass = item.get("kind"), item.get("class", item.get("item_class"))
    if not isinstance(kind, str) or kind not in ITEM_KINDS:
        raise InvalidInput(f"{where}.kind: unknown kind {kind!r}",
                           fields={f"{where}.kind": "unknown"})
    try:
        item_class = ItemClass(klass)
    except ValueError:
        raise InvalidInput(f"{where}.class: one of basic, complete, upgrade",
                           fields={f"{where}.class": "unknown"}) from None
    community = None
    named = item.get("community")
    if named not in (None, ""):
        community = communities.get(named) if isinstance(named, str) else None
        if community is None:
            raise InvalidInput(f"{where}.community: not one of the project's communities",
                               fields={f"{where}.community": "not in the project"})
    contractor = organization_of(session, item.get("contractor"), f"{where}.contractor",
                      {OrgKind.contractor})
    return ProjectItem(kind=kind, item_class=item_class, community=community,
                       contractor=contractor,
                       description=checked_text(item.get("description"), f"{where}.description"))


def sign_off_project(session: Session, actor, project: Project, community: Community) -> None:
    """Record the owners' committee's acceptance sign-off for one community of the project."""
    link = next((lk for lk in project.community_links if lk.community_id == community.id), None)
    if link is None:
        raise NotFound("the project does not cover this community", code="community_not_found")
    committee = active_committees(session, [community.id]).get(community.id)
    if (
        not permissions.is_active_user(actor)
        or actor.role is not Role.committee_member
        or committee is None
        or actor.organization_id != committee.id
    ):
        raise Forbidden("only a member of this community's owners' committee may sign off")
    if project.accepted_on is not None:
        raise Conflict("the project is already accepted", code="already_accepted")
    if link.committee_signed_at is not None:
        raise Conflict("the committee has already signed off", code="already_signed")
    link.committee_signed_by_id = actor.id
    link.committee_signed_at = clock.now()
    session.flush()
    audit.record(session, actor, "project_signed_off", "project", project.code,
                 community=community.code)


def acceptance_minimum(session: Session, project: Project) -> Decimal:
    """The minimum satisfaction rate that applies: the strictest among the project's regions."""
    streets = {link.community.street_id: link.community.street
               for link in project.community_links}
    values = [get_setting(session, "acceptance_min_satisfaction", street)
              for street in streets.values()] or [
        get_setting(session, "acceptance_min_satisfaction")
    ]
    return max(Decimal(str(value)) for value in values)


def accept_project(
    session: Session,
    actor,
    project: Project,
    *,
    accepted_on: date | str,
    satisfaction_rate=None,
    satisfaction_reason: str | None = None,
    note: str = "",
    management_override: str | None = None,
) -> Project:
    """Record the joint acceptance; refused with every reason where a rule is not met.

    The rules (docs/domain.md#projects): the satisfaction rate at least the configured minimum
    (the strictest setting among the project's regions), acceptance not before
    completion, and the sign-off of every covered community's active committee.
    The rate is the project's latest closed survey's (its participation is kept too); a
    typed rate needs a reason (refused without one: `reason_required`) and is used instead,
    audited with the reason; without either the acceptance is refused
    (`satisfaction_missing`). Every covered community needs a long-term management
    arrangement — a term in force on the acceptance day or a recorded plan — else refused
    (`no_management_arrangement`, naming them) unless `management_override` gives the reason,
    which is kept on the project and audited with those communities. Acceptance recomputes
    the warranty end of the project's assets.
    """
    require_keeper(session, actor, [link.community for link in project.community_links])
    if project.accepted_on is not None:
        raise Conflict("the project is already accepted", code="already_accepted")
    day = parse_day(accepted_on, "accepted_on")
    if day is None:
        raise InvalidInput("the acceptance date is required", fields={"accepted_on": "required"})
    remark = checked_text(note, "note")
    survey = surveys.closed_project_survey(session, project)
    participation = None
    if satisfaction_rate is not None and satisfaction_rate != "":
        rate, source = _rate(satisfaction_rate), "typed"
        reason = checked_text(satisfaction_reason, "satisfaction_reason", REASON_MAX)
        if not reason:
            raise InvalidInput("a typed satisfaction rate needs a reason (the project's "
                               "survey gives the rate otherwise)", code="reason_required",
                               fields={"satisfaction_reason": "required with a typed rate"})
    else:
        reason, source = None, "survey"
        result = surveys.tally(session, survey) if survey is not None else None
        rate = None if result is None else result.satisfaction_rate
        participation = None if result is None else result.participation_rate
    committees = active_committees(session, [lk.community_id for lk in project.community_links])
    need = {link.community.code for link in project.community_links
            if link.community_id in committees}
    signed = {link.community.code for link in project.community_links
              if link.committee_signed_at is not None}
    minimum = acceptance_minimum(session, project)
    override = checked_text(management_override, "management_override", REASON_MAX)
    unarranged = plans.without_arrangement(
        session, [link.community_id for link in project.community_links], day)
    problems = acceptance_problems(
        satisfaction_rate=rate, minimum=minimum, accepted_on=day,
        completed_on=project.completed_on, need_signoff=need, signed_off=signed,
        unarranged=unarranged, overridden=bool(override),
    )
    if problems:
        audit.refusal(session, actor, "project_acceptance_refused", "project", project.code,
                     reasons=[code for code, _ in problems], satisfaction_rate=str(rate),
                     minimum=str(minimum), satisfaction_source=source,
                     survey=survey.code if survey else None,
                     without_arrangement=unarranged)
        raise RuleRefused("; ".join(reason for _, reason in problems), code=problems[0][0],
                          fields={"reasons": [code for code, _ in problems],
                                  **({"without_arrangement": unarranged}
                                     if unarranged and not override else {})})
    project.accepted_on = day
    project.satisfaction_rate = money.round_ratio(rate)
    project.satisfaction_source = source
    project.satisfaction_survey = survey.code if survey is not None and source == "survey" \
        else None
    project.participation_rate = participation
    project.satisfaction_reason = reason
    project.accepted_by_id = actor.id
    project.accepted_at = clock.now()
    project.acceptance_note = remark
    # Kept only where it overrode the rule: the communities it was given for are audited.
    project.management_override = override if unarranged else None
    # One settings read per street, not per asset.
    seasons: dict[int, HeatingSeason] = {}
    for asset in session.scalars(select(Asset).where(Asset.project_id == project.id)):
        street_id = asset.community.street_id
        if street_id not in seasons:
            seasons[street_id] = heating_season_for(session, asset.community)
        refresh_warranty(session, asset, seasons[street_id])
    session.flush()
    audit.record(session, actor, "project_accepted", "project", project.code,
                 accepted_on=day.isoformat(), satisfaction_rate=str(rate),
                 minimum=str(minimum), satisfaction_source=source,
                 **({"survey": survey.code, "participation_rate": str(participation)}
                    if source == "survey" else
                    {"reason": reason, "survey": survey.code if survey else None}),
                 **({"management_override": override, "without_arrangement": unarranged}
                    if unarranged else {}))
    return project
