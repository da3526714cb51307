"""Assembly vote pages: a community's votes, convening one, and the vote page where owners
vote on their phones, paper ballots are recorded, the vote is closed and its result shown.
"""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from pmsys import clock
from pmsys.auth import permissions
from pmsys.db import valid_id
from pmsys.errors import DomainError, Forbidden, NotFound
from pmsys.extensions import db
from pmsys.governance import access
from pmsys.governance.services import committees, votes
from pmsys.models.governance import Vote, VoteRollEntry, VoteStatus
from pmsys.models.places import Community, Person
from pmsys.web.assets.common import current_actor
from pmsys.web.governance import bp
from pmsys.web.governance.common import (
    CHOICE_LABELS,
    MATTER_LABELS,
    from_local,
    refuse,
)
from pmsys.web.governance.forms import BallotForm, CloseForm, ConveneForm


def community_votes(community: Community) -> list[Vote]:
    """The community's votes, the latest opening first."""
    return list(db.session.scalars(
        select(Vote).where(Vote.community_id == community.id)
        .order_by(Vote.opens_at.desc(), Vote.id.desc())
    ))


def get_vote_or_404(user, vote_id: int) -> Vote:
    """The vote with this id if `user` may see it; else NotFound."""
    key = valid_id(vote_id)
    vote = None
    if key is not None:
        vote = db.session.scalar(select(Vote).where(Vote.id == key, access.vote_clause(user)))
    if vote is None:
        raise NotFound(f"no vote {vote_id}", code="vote_not_found",
                       hidden=permissions.probe(db.session, Vote.id, key, "vote"))
    return vote


@bp.get("/communities/<code>/votes")
@login_required
def vote_list(code: str):
    """The community's assembly votes, open and closed, with the convening link."""
    user = current_actor()
    community = permissions.get_community_or_404(db.session, user, code)
    return render_template(
        "governance/votes.html", community=community, votes=community_votes(community),
        may_convene=access.may_convene(db.session, user, community),
    )


def _convene_form(matter: str | None) -> ConveneForm:
    start = clock.now().astimezone(clock.LOCAL_TZ).replace(second=0, microsecond=0,
                                                           tzinfo=None)
    form = ConveneForm(formdata=None, matter=matter if matter in MATTER_LABELS else "other",
                       opens_at=start, closes_at=start + timedelta(days=7))
    form.set_matters(MATTER_LABELS)
    return form


@bp.route("/communities/<code>/votes/new", methods=["GET", "POST"])
@login_required
def vote_new(code: str):
    """Convene an owners' assembly vote (the committee in office or the street office)."""
    user = current_actor()
    community = permissions.get_community_or_404(db.session, user, code)
    if not access.may_convene(db.session, user, community):
        raise Forbidden(_("Only the owners' committee in office or the street office convenes "
                          "an assembly vote."))
    status = 200
    if request.method == "GET":
        form = _convene_form(request.args.get("matter"))
    else:
        form = ConveneForm()
        form.set_matters(MATTER_LABELS)
        if not form.validate_on_submit():
            flash(_("Please correct the marked fields."), "error")
            status = 400
        else:
            try:
                vote = votes.convene(
                    db.session, user, community, matter=form.matter.data,
                    title=form.title.data.strip(), description=form.description.data or "",
                    opens_at=from_local(form.opens_at.data),
                    closes_at=from_local(form.closes_at.data),
                    amount=(form.amount.data or "").strip() or None)
            except DomainError as error:
                status = refuse(form, error)
            else:
                flash(_("The vote is convened."), "success")
                return redirect(url_for("governance.vote_detail", vote_id=vote.id))
    return render_template("governance/vote_new.html", community=community, form=form), status


def _roll_people(vote: Vote) -> list[Person]:
    """Whom a paper ballot may be recorded for: the frozen roll, or the owners today."""
    if vote.roll_frozen_at is not None:
        query = (select(Person).join(VoteRollEntry, VoteRollEntry.person_id == Person.id)
                 .where(VoteRollEntry.vote_id == vote.id).distinct())
    else:
        query = committees.owners_of(db.session, vote.community)
    return sorted(db.session.scalars(query), key=lambda person: person.code)


def _page(user, vote: Vote, status: int = 200, own=None, paper=None):
    """Render the vote page; `own`/`paper` are refused forms to show with their errors."""
    session = db.session
    now = clock.now()
    community = vote.community
    due = vote.status is VoteStatus.open or (
        vote.status is VoteStatus.scheduled and vote.opens_at <= now)
    accepting = due and now < vote.closes_at
    convener = access.may_convene(session, user, community)
    may_vote = accepting and votes.may_vote(session, user, vote)
    if may_vote and own is None:
        own = BallotForm(formdata=None)
    if accepting and convener and paper is None:
        paper = BallotForm(formdata=None)
    for form in (own, paper):
        if form is not None:
            form.set_choices(CHOICE_LABELS)
    if paper is not None:
        paper.person.choices = [SelectChoice(p.code, f"{p.name} ({p.code})")
                                for p in _roll_people(vote)]
    slate = []
    if vote.matter == "elect_committee" and vote.committee is not None:
        slate = [c for c in vote.committee.candidates if c.status.value == "approved"]
    return render_template(
        "governance/vote.html", vote=vote, community=community, accepting=accepting,
        over=vote.status is not VoteStatus.closed and now >= vote.closes_at,
        own_form=own if may_vote else None, paper_form=paper if convener else None,
        mine=votes.own_ballot(session, user, vote),
        tally=votes.tally(session, vote) if vote.status is VoteStatus.open else None,
        close_form=CloseForm(formdata=None) if convener else None, slate=slate,
    ), status


@bp.get("/votes/<int:vote_id>")
@login_required
def vote_detail(vote_id: int):
    """One vote: what is decided, the thresholds, the ballot buttons, the tally, the result."""
    user = current_actor()
    return _page(user, get_vote_or_404(user, vote_id))


@bp.post("/votes/<int:vote_id>/ballot")
@login_required
def vote_ballot(vote_id: int):
    """Cast one's own ballot, or record a paper ballot for a named owner."""
    user = current_actor()
    vote = get_vote_or_404(user, vote_id)
    form = BallotForm()
    form.set_choices(CHOICE_LABELS)
    paper = bool(form.person.data)
    shown = {"paper" if paper else "own": form}
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "error")
        return _page(user, vote, status=400, **shown)
    try:
        ballot, replaced = votes.cast_ballot(db.session, user, vote, choice=form.choice.data,
                                             person_code=form.person.data or None)
    except DomainError as error:
        status = refuse(form, error)
        return _page(user, get_vote_or_404(user, vote_id), status=status, **shown)
    if paper:
        message = _("The paper ballot of %(name)s is recorded.", name=ballot.person.name)
    elif replaced:
        message = _("Your ballot is changed.")
    else:
        message = _("Your ballot is recorded.")
    flash(message, "success")
    return redirect(url_for("governance.vote_detail", vote_id=vote.id))


@bp.post("/votes/<int:vote_id>/close")
@login_required
def vote_close(vote_id: int):
    """Close a vote whose time is over and compute its result."""
    user = current_actor()
    vote = get_vote_or_404(user, vote_id)
    if not access.may_convene(db.session, user, vote.community):
        raise Forbidden(_("Only the convening side closes a vote."))
    form = CloseForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return _page(user, vote, status=400)
    try:
        votes.close(db.session, user, vote)
    except DomainError as error:
        status = refuse(None, error)
        return _page(user, get_vote_or_404(user, vote_id), status=status)
    flash(_("The vote is closed."), "success")
    return redirect(url_for("governance.vote_detail", vote_id=vote.id))
