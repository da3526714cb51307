"""Surveys (docs/domain.md#surveys): define one, answer it for a household, read its results.

CONTRACT. Every function takes the session and the acting user, checks permission on the
object (`surveys.access`), writes an audit record for every change and does NOT commit.
A survey or household the actor may not see answers like a missing one (NotFound).

- define_survey: street office or bureau (else Forbidden "forbidden"); the scope is one of
  community, project, org; a community or project the actor does not see → NotFound; an org
  none of whose communities (managed at some time in the window) the actor sees → NotFound
  "org_not_found"; an org survey asks only those communities. Code taken → Conflict
  "code_taken"; bad code, title, dates or questions → InvalidInput. Audit "survey_defined".
- answer: outside the window → Conflict "survey_not_open" / "survey_closed". A resident
  answers for their own household in the scope (channel web or qr; another household →
  Forbidden "not_your_household"; none in the scope → Forbidden "not_a_household"); staff who
  record (`access.may_record`) name the household and the channel is paper or phone (a
  household outside the scope → RuleRefused "household_not_in_scope"). One answer per
  household: a later one replaces it (replaced=True). Audit "survey_answered" /
  "survey_answer_replaced" with the household and channel.
- survey_results: result readers only (else Forbidden "forbidden").
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pmsys import audit, clock
from pmsys.auth import permissions
from pmsys.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from pmsys.models.assets import Project
from pmsys.models.auth import Organization, Role
from pmsys.models.governance import ManagementTerm
from pmsys.models.places import Building, Community, Household, HouseholdResident, Unit
from pmsys.models.surveys import Survey, SurveyChannel, SurveyCommunity, SurveyResponse
from pmsys.surveys import access, rules

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
TITLE_MAX = 200
# The longest a survey may stay open.
MAX_DAYS_OPEN = 366
RESIDENT_CHANNELS = (SurveyChannel.web, SurveyChannel.qr)
STAFF_CHANNELS = (SurveyChannel.paper, SurveyChannel.phone)
SCOPES = ("community", "project", "org")


def survey_or_404(session: Session, actor, code) -> Survey:
    """The survey with this code if `actor` sees it; else NotFound, as for none."""
    survey = None
    if isinstance(code, str):
        survey = session.scalar(select(Survey).where(Survey.code == code,
                                                     access.survey_clause(actor)))
    if survey is None:
        raise NotFound(_("No such survey."), code="survey_not_found",
                       hidden=permissions.probe(session, Survey.code, code, "survey")
                       if isinstance(code, str) else None)
    return survey


def visible_surveys(actor):
    """A select of the surveys `actor` sees, the latest opening first."""
    return (select(Survey).where(access.survey_clause(actor))
            .order_by(Survey.opens_on.desc(), Survey.id.desc()))


def _day(value, name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        pass
    raise InvalidInput(_("Give the dates as YYYY-MM-DD."), fields={name: "a date YYYY-MM-DD"})


def _org_communities(session: Session, actor, org: Organization, opens_on: date,
                     closes_on: date) -> list[Community]:
    """The communities `org` manages at some time in the window that `actor` sees."""
    managed = select(ManagementTerm.community_id).where(
        ManagementTerm.organization_id == org.id, ManagementTerm.start <= closes_on,
        or_(ManagementTerm.end.is_(None), ManagementTerm.end >= opens_on))
    return list(session.scalars(select(Community).where(
        Community.id.in_(managed), permissions.community_clause(actor)).order_by(Community.code)))


def _scope(session: Session, actor, scope, opens_on: date, closes_on: date):
    """(community, project, org, communities asked) of a scope {kind: code}."""
    if not isinstance(scope, dict) or len(scope) != 1 or next(iter(scope)) not in SCOPES:
        raise InvalidInput(_("Choose one community, project or managing organisation."),
                           fields={"scope": "one of community, project, org"})
    kind, code = next(iter(scope.items()))
    if not isinstance(code, str) or not code:
        raise InvalidInput(_("Choose one community, project or managing organisation."),
                           fields={f"scope.{kind}": "a code"})
    if kind == "community":
        community = permissions.get_community_or_404(session, actor, code)
        return community, None, None, [community]
    if kind == "project":
        project = session.scalar(select(Project).where(
            Project.code == code, permissions.project_clause(actor)))
        communities = [] if project is None else [
            link.community for link in project.community_links]
        if project is None or not all(permissions.can_see_community(session, actor, c)
                                      for c in communities):
            raise NotFound(_("No such project."), code="project_not_found",
                           hidden=permissions.probe(session, Project.code, code, "project"))
        return None, project, None, communities
    org = session.scalar(select(Organization).where(Organization.code == code))
    communities = ([] if org is None else
                   _org_communities(session, actor, org, opens_on, closes_on))
    if not communities:
        raise NotFound(_("No such managing organisation in your area."), code="org_not_found",
                       hidden=permissions.probe(session, Organization.code, code,
                                                "organization"))
    return None, None, org, communities


def define_survey(session: Session, actor, *, code, title, scope, opens_on, closes_on,
                  questions) -> Survey:
    """Define a survey of a scope's households with its questions and window."""
    if not access.may_define(actor):
        raise Forbidden(_("Only the street office and the housing bureau define surveys."),
                        code="forbidden")
    if not isinstance(code, str) or not CODE.match(code):
        raise InvalidInput(_("The code is letters, digits, '.', '_' or '-', at most 64."),
                           fields={"code": "letters, digits, . _ - (at most 64)"})
    if not isinstance(title, str) or not title.strip() or len(title) > TITLE_MAX:
        raise InvalidInput(_("The title is required (at most 200 characters)."),
                           fields={"title": "required, at most 200 characters"})
    first, last = _day(opens_on, "opens_on"), _day(closes_on, "closes_on")
    if last < first:
        raise InvalidInput(_("The survey must close on or after the day it opens."),
                           code="closes_before_opens", fields={"closes_on": "before opens_on"})
    if (last - first).days > MAX_DAYS_OPEN:
        raise InvalidInput(_("A survey stays open at most a year."),
                           fields={"closes_on": "at most 366 days after opens_on"})
    try:
        stored = rules.checked_questions(questions)
    except rules.QuestionProblem as problem:
        raise InvalidInput(_("Check the questions: %(problem)s", problem=str(problem)),
                           fields=problem.fields) from None
    community, project, org, communities = _scope(session, actor, scope, first, last)
    if session.scalar(select(Survey.id).where(Survey.code == code)) is not None:
        raise Conflict(_("This survey code is taken."), code="code_taken",
                       fields={"code": "taken"})
    survey = Survey(code=code, title=title.strip(), community=community, project=project,
                    organization=org, opens_on=first, closes_on=last, questions=stored,
                    created_by_id=actor.id, created_by_org_id=actor.organization_id)
    survey.community_links = [SurveyCommunity(community_id=c.id) for c in communities]
    session.add(survey)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(_("This survey code is taken."), code="code_taken",
                       fields={"code": "taken"}) from None
    kind, key = survey.scope
    audit.record(session, actor, "survey_defined", "survey", survey.code, scope=kind,
                 scope_code=key, opens_on=first.isoformat(), closes_on=last.isoformat(),
                 communities=[c.code for c in communities], questions=len(stored))
    return survey


def scope_households(survey: Survey):
    """A select of the ids of the households the survey asks."""
    return (select(Household.id).join(Unit, Unit.id == Household.unit_id)
            .join(Building, Building.id == Unit.building_id)
            .join(SurveyCommunity, SurveyCommunity.community_id == Building.community_id)
            .where(SurveyCommunity.survey_id == survey.id))


def own_households(session: Session, actor, survey: Survey) -> list[Household]:
    """The households of the scope that `actor` (a resident) owns or lives in."""
    person_id = getattr(actor, "person_id", None)
    if person_id is None:
        return []
    lived = select(HouseholdResident.household_id).where(
        HouseholdResident.person_id == person_id)
    return list(session.scalars(select(Household).where(
        Household.id.in_(scope_households(survey)),
        or_(Household.owner_id == person_id, Household.id.in_(lived))).order_by(Household.id)))


def household_by_place(session: Session, place) -> Household | None:
    """The household named COMMUNITY/BUILDING/UNIT/HOUSEHOLD (docs/api.md#conventions)."""
    parts = place.split("/") if isinstance(place, str) else []
    if len(parts) != 4:
        return None
    return session.scalar(
        select(Household).join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Community, Community.id == Building.community_id)
        .where(Community.code == parts[0], Building.code == parts[1], Unit.code == parts[2],
               Household.code == parts[3]))


def _window(survey: Survey, today: date) -> None:
    if today < survey.opens_on:
        raise Conflict(_("This survey opens on %(day)s.", day=survey.opens_on.isoformat()),
                       code="survey_not_open")
    if today > survey.closes_on:
        raise Conflict(_("This survey closed on %(day)s.", day=survey.closes_on.isoformat()),
                       code="survey_closed")


def _household_for(session: Session, actor, survey: Survey, channel: SurveyChannel,
                   household) -> Household:
    """The household an answer is for, after the rules of who answers for whom."""
    if actor.role is Role.resident:
        if channel not in RESIDENT_CHANNELS:
            raise InvalidInput(_("Residents answer on the web or by the QR code."),
                               fields={"channel": "web or qr"})
        own = own_households(session, actor, survey)
        if not own:
            raise Forbidden(_("You have no household among those this survey asks."),
                            code="not_a_household")
        if household is None:
            if len(own) > 1:
                raise InvalidInput(_("Choose which of your households answers."),
                                   fields={"household": "required: you have several"})
            return own[0]
        chosen = next((h for h in own if h.place_code == household), None)
        if chosen is None:
            raise Forbidden(_("You answer only for your own household."),
                            code="not_your_household")
        return chosen
    if not access.may_record(actor):
        raise Forbidden(_("Only residents answer, and the street office or the bureau records "
                          "paper forms and calls."), code="forbidden")
    if channel not in STAFF_CHANNELS:
        raise InvalidInput(_("Staff record paper forms and phone calls."),
                           fields={"channel": "paper or phone"})
    if household is None:
        raise InvalidInput(_("Name the household that answered."),
                           fields={"household": "required"})
    found = household_by_place(session, household)
    in_scope = found is not None and session.scalar(
        scope_households(survey).where(Household.id == found.id)) is not None
    if not in_scope:
        raise RuleRefused(_("This household is not among those the survey asks."),
                          code="household_not_in_scope",
                          fields={"household": "not in the survey's scope"})
    return found


def answer(session: Session, actor, survey: Survey, *, channel, answers, household=None,
           today: date | None = None) -> tuple[SurveyResponse, bool]:
    """Record a household's answers; returns (response, replaced)."""
    if not access.can_see(session, actor, survey):
        raise NotFound(_("No such survey."), code="survey_not_found")
    try:
        channel = SurveyChannel(channel)
    except ValueError:
        raise InvalidInput(_("The channel is web, qr, paper or phone."),
                           fields={"channel": "web, qr, paper or phone"}) from None
    try:
        kept = rules.checked_answers(survey.questions, answers)
    except rules.QuestionProblem as problem:
        raise InvalidInput(_("Check the answers: %(problem)s", problem=str(problem)),
                           fields=problem.fields) from None
    _window(survey, today or clock.today())
    found = _household_for(session, actor, survey, channel, household)
    response = session.scalar(
        select(SurveyResponse).where(SurveyResponse.survey_id == survey.id,
                                     SurveyResponse.household_id == found.id)
        .with_for_update())
    replaced = response is not None
    if response is None:
        response = SurveyResponse(survey_id=survey.id, household_id=found.id, replaced=0)
        session.add(response)
    else:
        response.replaced = (response.replaced or 0) + 1
    response.channel = channel
    response.answers = kept
    response.answered_at = clock.now()
    response.recorded_by_id = actor.id
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        # Another request answered for this household at the same moment.
        raise Conflict(_("This household's answer changed meanwhile; try again."),
                       code="concurrent_update") from None
    audit.record(session, actor, "survey_answer_replaced" if replaced else "survey_answered",
                 "survey", survey.code, household=found.place_code, channel=channel.value)
    return response, replaced


def tally(session: Session, survey: Survey) -> rules.Results:
    """The survey's results, without a permission check (acceptance reads its project's)."""
    total = session.scalar(select(func.count()).select_from(
        scope_households(survey).subquery())) or 0
    rows = session.execute(select(SurveyResponse.channel, SurveyResponse.answers).where(
        SurveyResponse.survey_id == survey.id).order_by(SurveyResponse.id)).all()
    return rules.results(survey.questions, total,
                         ((channel.value, answers) for channel, answers in rows))


def survey_results(session: Session, actor, survey: Survey) -> rules.Results:
    """The results of a survey `actor` sees, for the roles that read results."""
    if not access.may_read_results(actor):
        raise Forbidden(_("Residents answer surveys; their results are read by the street "
                          "office, the bureau, the manager and the committee."), code="forbidden")
    return tally(session, survey)


def responses(session: Session, actor, survey: Survey) -> list[SurveyResponse]:
    """Every household's answer, for the export (result readers only)."""
    if not access.may_read_results(actor):
        raise Forbidden(_("Residents answer surveys; their results are read by the street "
                          "office, the bureau, the manager and the committee."), code="forbidden")
    return list(session.scalars(select(SurveyResponse).where(
        SurveyResponse.survey_id == survey.id).order_by(SurveyResponse.id)))


def earlier_answers(session: Session, survey: Survey,
                    households: list[Household]) -> dict[int, SurveyResponse]:
    """The answers already kept for these households, by household id."""
    if not households:
        return {}
    return {r.household_id: r for r in session.scalars(select(SurveyResponse).where(
        SurveyResponse.survey_id == survey.id,
        SurveyResponse.household_id.in_([h.id for h in households])))}


def open_surveys(session: Session, community: Community,
                 today: date | None = None) -> list[Survey]:
    """The surveys asking this community's households that are open today."""
    today = today or clock.today()
    return list(session.scalars(select(Survey).join(
        SurveyCommunity, SurveyCommunity.survey_id == Survey.id).where(
        SurveyCommunity.community_id == community.id, Survey.opens_on <= today,
        Survey.closes_on >= today).order_by(Survey.closes_on, Survey.id)))


def closed_project_survey(session: Session, project: Project,
                          today: date | None = None) -> Survey | None:
    """The project's latest survey that has closed, whose result acceptance uses."""
    today = today or clock.today()
    return session.scalar(select(Survey).where(
        Survey.project_id == project.id, Survey.closes_on < today)
        .order_by(Survey.closes_on.desc(), Survey.id.desc()).limit(1))


def coming_project_surveys(session: Session, project: Project,
                           today: date | None = None) -> list[Survey]:
    """The project's surveys that are open or still to open, the earliest first."""
    today = today or clock.today()
    return list(session.scalars(select(Survey).where(
        Survey.project_id == project.id, Survey.closes_on >= today)
        .order_by(Survey.opens_on, Survey.id)))

