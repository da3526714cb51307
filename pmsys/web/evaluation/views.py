"""The evaluation pages: scores, bulletins, the Excel export and the deductions form."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, DecimalField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from pmsys import clock
from pmsys.errors import DomainError, Forbidden, NotFound
from pmsys.evaluation import periods, scoring, services
from pmsys.extensions import db
from pmsys.tickets.photos import photo_response
from pmsys.web.assets.common import current_actor, refused
from pmsys.web.evaluation import bp
from pmsys.web.spreadsheets import add_sheet, book_bytes, download, new_book
from pmsys.web.tickets.common import refusal_message

ITEM_LABELS = {
    "collection_rate": _l("Fee collection rate"),
    "on_time_rate": _l("Tickets fixed on time"),
    "satisfaction_rate": _l("Residents' ratings"),
    "callback_satisfaction_rate": _l("Follow-up call satisfaction"),
    "reopen_rate": _l("Reopen rate"),
    "dispute_rate": _l("Dispute rate"),
    "inspection": _l("Inspection deductions"),
}
TIER_LABELS = {
    "excellent": _l("Excellent"),
    "good": _l("Good"),
    "qualified": _l("Qualified"),
    "unqualified": _l("Unqualified"),
}


def tier_label(code: str | None) -> str:
    return "" if code is None else str(TIER_LABELS.get(code, code))


class PeriodForm(FlaskForm):
    """The period and region of the scores (a GET form)."""

    class Meta:
        csrf = False

    period = StringField(_l("Period"), validators=[DataRequired(), Length(max=10)])
    region = StringField(_l("Region code"), validators=[Optional(), Length(max=64)])


class PublishForm(FlaskForm):
    period = HiddenField(validators=[DataRequired()])
    region = HiddenField()


class DeductionForm(FlaskForm):
    on = DateField(_l("Day of the inspection"), validators=[DataRequired()])
    points = DecimalField(_l("Points deducted"), places=1,
                          validators=[DataRequired(), NumberRange(min=0.1, max=100)])
    note = TextAreaField(_l("What the inspection found"),
                         validators=[DataRequired(), Length(max=services.MAX_NOTE)])
    photo = FileField(_l("Photo"))


def _default_period() -> str:
    return periods.of_day(clock.today(), "month")


@dataclass
class Row:
    """One organisation's line on the page, from the API's JSON of its score."""

    entry: dict

    def __getattr__(self, name):
        return self.entry[name]


def _rows(scores: list[dict]) -> list[Row]:
    return [Row(entry) for entry in scores]


@bp.get("/evaluation")
@login_required
def scores():
    """The ranked scores of a period (month, half month or year) for the bureau and offices."""
    user = current_actor()
    if not services.may_read_scores(user):
        return redirect(url_for("evaluation.bulletin_list"))
    form = PeriodForm(formdata=request.args)
    if not request.args.get("period"):
        form.period.data = _default_period()
    try:
        result = services.evaluate(db.session, user, period=form.period.data,
                                   region=form.region.data or None)
    except DomainError as error:
        if error.status == 404 and error.code != "region_not_found":
            raise
        form.period.errors = [refusal_message(error)]
        return render_template("evaluation/scores.html", form=form, result=None,
                               rows=[], items=ITEM_LABELS, tier_label=tier_label), 400
    publish = None
    if services.may_publish(user) and result.region is not None:
        publish = PublishForm(formdata=None, period=result.period.code,
                              region=result.region.code)
    return render_template("evaluation/scores.html", form=form, result=result,
                           rows=_rows(services.scores_json(result.scores)), items=ITEM_LABELS,
                           tier_label=tier_label, publish=publish, tiers=result.tiers)


@bp.get("/evaluation.xlsx")
@login_required
def scores_export():
    """The ranked scores of the period as an Excel workbook."""
    user = current_actor()
    result = services.evaluate(db.session, user, period=request.args.get("period") or
                               _default_period(), region=request.args.get("region") or None)
    rows = services.scores_json(result.scores)
    return download(workbook(rows), f"evaluation-{result.period.code}.xlsx")


def workbook(rows: list[dict]) -> bytes:
    """Rank, organisation, score, tier, reward, then each item's value and points."""
    book = new_book()
    header = [_("Rank"), _("Code"), _("Organisation"), _("Score"), _("Tier"), _("Reward")]
    formats: list[str | None] = [None, None, None, "0.00", None, None]
    for item in scoring.ITEMS:
        header += [str(ITEM_LABELS[item]), _("%(item)s: points", item=ITEM_LABELS[item])]
        formats += ["0.0" if item == scoring.INSPECTION else "0.00%", "0.00"]

    def number(text):
        return None if text is None else float(text)

    lines = []
    for row in rows:
        line = [row["rank"], row["org"], row["name"], number(row["score"]),
                tier_label(row["tier"]), _("yes") if row["reward"] else ""]
        for item in scoring.ITEMS:
            found = row["items"].get(item, {})
            line += [number(found.get("value")), number(found.get("points"))]
        lines.append(line)
    add_sheet(book, _("Evaluation"), header, lines, formats, (6, 14, 24))
    return book_bytes(book)


@bp.post("/evaluation/publish")
@login_required
def publish():
    """Publish the period's scores of a region as a bulletin (the bureau)."""
    user = current_actor()
    form = PublishForm()
    if not form.validate_on_submit():
        flash(_("Please correct the form."), "error")
        return redirect(url_for("evaluation.scores"))
    try:
        bulletin = services.publish(db.session, user, period=form.period.data,
                                    region=form.region.data or None)
    except DomainError as error:
        status = refused(error)
        flash(refusal_message(error), "error")
        if status == 403:
            raise Forbidden(refusal_message(error)) from None
        return redirect(url_for("evaluation.scores", period=form.period.data,
                                region=form.region.data or None))
    flash(_("The bulletin of %(period)s is published.", period=bulletin.period), "success")
    return redirect(url_for("evaluation.bulletin", bulletin_id=bulletin.id))


@bp.get("/evaluation/bulletins")
@login_required
def bulletin_list():
    """The published bulletins, newest first (every login)."""
    return render_template("evaluation/bulletins.html",
                           bulletins=services.bulletins(db.session, current_actor()))


@bp.get("/evaluation/bulletins/<int:bulletin_id>")
@login_required
def bulletin(bulletin_id: int):
    """One published bulletin: its ranked scores as published."""
    found = services.bulletin_or_404(db.session, current_actor(), bulletin_id)
    return render_template("evaluation/bulletin.html", bulletin=found, rows=_rows(found.scores),
                           items=ITEM_LABELS, tier_label=tier_label)


@bp.route("/orgs/<code>/deductions", methods=["GET", "POST"])
@login_required
def deductions(code: str):
    """An organisation's inspection deductions, and the form the street office enters them on."""
    user = current_actor()
    org = services.org_or_404(db.session, code)
    listed = services.deductions_of(db.session, user, org)
    may_deduct = services.may_deduct(user)
    form = DeductionForm() if may_deduct else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise Forbidden(_("Inspection deductions are entered by the street office."))
        if form.validate_on_submit():
            upload = form.photo.data
            try:
                services.record_deduction(
                    db.session, user, org, on=form.on.data, points=form.points.data,
                    note=form.note.data, photo=upload.read() if upload else None,
                    upload_folder=current_app.config["UPLOAD_FOLDER"])
            except DomainError as error:
                status = refused(error)
                flash(refusal_message(error), "error")
            else:
                flash(_("The deduction is recorded."), "success")
                return redirect(url_for("evaluation.deductions", code=org.code))
        else:
            flash(_("Please correct the form."), "error")
            status = 400
    return render_template("evaluation/deductions.html", org=org, deductions=listed,
                           form=form), status


@dataclass(frozen=True)
class _Photo:
    stored_name: str
    content_type: str


@bp.get("/orgs/<code>/deductions/<int:deduction_id>/photo")
@login_required
def deduction_photo(code: str, deduction_id: int):
    """The photo of an inspection deduction (the readers of deductions)."""
    user = current_actor()
    org = services.org_or_404(db.session, code)
    found = next((d for d in services.deductions_of(db.session, user, org)
                  if d.id == deduction_id and d.photo_name), None)
    if found is None:
        raise NotFound("no such photo", code="photo_not_found")
    return photo_response(current_app.config["UPLOAD_FOLDER"],
                          _Photo(found.photo_name, found.photo_type))
