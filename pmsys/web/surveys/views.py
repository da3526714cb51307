"""Survey pages (docs/domain.md#surveys)."""

from __future__ import annotations

import io

import segno
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from pmsys import clock
from pmsys.errors import DomainError, NotFound
from pmsys.extensions import db
from pmsys.models.auth import Role
from pmsys.surveys import access
from pmsys.surveys import services as surveys
from pmsys.web.assets.common import current_actor, refusal_message, refused
from pmsys.web.spreadsheets import COUNT_FORMAT, RATE_FORMAT, add_sheet, book_bytes, download
from pmsys.web.spreadsheets import new_book as new_workbook
from pmsys.web.surveys import bp, forms


def _channel_label(channel: str) -> str:
    # Looked up per request: the dict above was built in the language of the import.
    return {"web": _("Web"), "qr": _("QR code"), "paper": _("Paper form"),
            "phone": _("Follow-up call")}.get(channel, channel)


@bp.app_template_global()
def survey_label(question: dict) -> str:
    """A question's label in the page's language."""
    language = "zh" if str(get_locale() or "zh").startswith("zh") else "en"
    return question["label"].get(language) or question["label"].get("zh", "")


@bp.app_template_global()
def may_use_surveys(user) -> bool:
    """Whether `user`'s role sees surveys (the navigation link)."""
    return user.is_authenticated and user.role in access.READERS


@bp.app_template_filter("channel_label")
def channel_label(channel: str) -> str:
    return _channel_label(channel)


def _status(survey) -> str:
    return survey.status_on(clock.today())


@bp.app_template_global()
def survey_status(survey) -> str:
    """coming, open or closed today."""
    return _status(survey)


@bp.get("/surveys")
@login_required
def survey_list():
    """The surveys asking the communities the user sees."""
    user = current_actor()
    rows = db.session.scalars(surveys.visible_surveys(user)).all()
    return render_template("surveys/list.html", surveys=rows,
                           may_define=access.may_define(user))


@bp.route("/surveys/new", methods=["GET", "POST"])
@login_required
def survey_new():
    """Define a survey: scope, window and the questions, one per line."""
    user = current_actor()
    if not access.may_define(user):
        raise NotFound("no such page", code="not_found")
    form = forms.SurveyForm()
    if request.method == "GET":
        for kind in ("community", "project", "org"):
            if request.args.get(kind):
                form.scope_kind.data, form.scope_code.data = kind, request.args[kind]
        form.questions.data = form.questions.data or forms.QUESTION_EXAMPLE
        return render_template("surveys/new.html", form=form,
                               question_format=forms.QUESTION_FORMAT)
    if not form.validate_on_submit():
        return render_template("surveys/new.html", form=form,
                               question_format=forms.QUESTION_FORMAT), 400
    try:
        survey = surveys.define_survey(
            db.session, user, code=form.code.data.strip(), title=form.title.data,
            scope={form.scope_kind.data: form.scope_code.data.strip()},
            opens_on=form.opens_on.data, closes_on=form.closes_on.data,
            questions=forms.parse_questions(form.questions.data))
    except DomainError as error:
        # A scope outside the user's area is refused before anything changed: the form
        # shows why instead of a bare 404 page.
        status = error.status if isinstance(error, NotFound) else refused(error)
        flash(refusal_message(error), "error")
        for name, problem in (error.fields or {}).items():
            flash(f"{name}: {problem}", "error")
        return render_template("surveys/new.html", form=form,
                               question_format=forms.QUESTION_FORMAT), status
    flash(_("Survey %(code)s defined.", code=survey.code), "success")
    return redirect(url_for("surveys.survey_detail", code=survey.code))


@bp.get("/surveys/<code>")
@login_required
def survey_detail(code: str):
    """The survey: its questions, window, results (for staff) and the ways to answer."""
    user = current_actor()
    survey = surveys.survey_or_404(db.session, user, code)
    results = (surveys.tally(db.session, survey) if access.may_read_results(user) else None)
    return render_template(
        "surveys/detail.html", survey=survey, results=results,
        may_record=access.may_record(user) and _status(survey) == "open",
        answer_url=url_for("surveys.survey_answer", code=survey.code, via="qr", _external=True),
        own=surveys.own_households(db.session, user, survey)
        if user.role is Role.resident else [])


def _answers_from(survey) -> dict:
    """The question fields of the posted form, by key (an empty field is no answer)."""
    return {q["key"]: request.form.get(f"q_{q['key']}", "") for q in survey.questions}


@bp.route("/surveys/<code>/answer", methods=["GET", "POST"])
@login_required
def survey_answer(code: str):
    """A resident answers for their household, on the phone (also the QR code's page)."""
    user = current_actor()
    survey = surveys.survey_or_404(db.session, user, code)
    own = surveys.own_households(db.session, user, survey) if user.role is Role.resident else []
    form = forms.AnswerForm()
    form.household.choices = [SelectChoice(h.place_code, h.place_code) for h in own]
    via = "qr" if request.values.get("via") == "qr" else "web"
    earlier = surveys.earlier_answers(db.session, survey, own)
    if request.method == "GET":
        return render_template("surveys/answer.html", survey=survey, form=form, own=own,
                               via=via, earlier=earlier, status=_status(survey))
    given = _answers_from(survey)
    if not form.validate_on_submit():
        return render_template("surveys/answer.html", survey=survey, form=form, own=own,
                               via=via, earlier=earlier, given=given,
                               status=_status(survey)), 400
    try:
        _response, replaced = surveys.answer(
            db.session, user, survey, channel=via, answers=given,
            household=form.household.data if len(own) > 1 else None)
    except DomainError as error:
        status = refused(error)
        flash(refusal_message(error), "error")
        return render_template("surveys/answer.html", survey=survey, form=form, own=own,
                               via=via, earlier=earlier, given=given,
                               status=_status(survey)), status
    flash(_("Your answer replaced the earlier one. Thank you.") if replaced
          else _("Thank you: your answer is recorded."), "success")
    return redirect(url_for("surveys.survey_answer", code=survey.code))


@bp.route("/surveys/<code>/record", methods=["GET", "POST"])
@login_required
def survey_record(code: str):
    """Staff record a paper form or a follow-up call for a named household."""
    user = current_actor()
    survey = surveys.survey_or_404(db.session, user, code)
    if not access.may_record(user):
        raise NotFound("no such page", code="not_found")
    form = forms.RecordForm()
    if request.method == "GET":
        form.household.data = request.args.get("household", "")
        return render_template("surveys/record.html", survey=survey, form=form,
                               status=_status(survey))
    given = _answers_from(survey)
    if not form.validate_on_submit():
        return render_template("surveys/record.html", survey=survey, form=form, given=given,
                               status=_status(survey)), 400
    try:
        _response, replaced = surveys.answer(
            db.session, user, survey, channel=form.channel.data, answers=given,
            household=form.household.data.strip())
    except DomainError as error:
        status = refused(error)
        flash(refusal_message(error), "error")
        for name, problem in (error.fields or {}).items():
            flash(f"{name}: {problem}", "error")
        return render_template("surveys/record.html", survey=survey, form=form, given=given,
                               status=_status(survey)), status
    flash(_("The answer of %(household)s replaced its earlier one.",
            household=form.household.data.strip()) if replaced else
          _("The answer of %(household)s is recorded.", household=form.household.data.strip()),
          "success")
    return redirect(url_for("surveys.survey_record", code=survey.code))


@bp.get("/surveys/<code>/qr.svg")
@login_required
def survey_qr_svg(code: str):
    """The QR code of the survey's answer page, for the community's notice page and posters."""
    survey = surveys.survey_or_404(db.session, current_actor(), code)
    out = io.BytesIO()
    segno.make(url_for("surveys.survey_answer", code=survey.code, via="qr", _external=True),
               error="m").save(out, kind="svg", scale=6, border=4, xmldecl=True, svgns=True,
                               title=survey.code)
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/surveys/<code>/results.xlsx")
@login_required
def survey_export(code: str):
    """The results as Excel: a summary, one row per question and answer, every household."""
    user = current_actor()
    survey = surveys.survey_or_404(db.session, user, code)
    rows = surveys.responses(db.session, user, survey)
    results = surveys.tally(db.session, survey)
    book = new_workbook()
    channels = list(results.by_channel)
    add_sheet(book, _("Summary"), [
        _("Households asked"), _("Households that answered"), _("Participation"),
        _("Households judged on satisfaction"), _("Households satisfied"),
        _("Satisfaction rate")] + [channel_label(c) for c in channels],
        [(results.households_total, results.households_answered, results.participation_rate,
          results.households_judged, results.households_satisfied, results.satisfaction_rate)
         + tuple(results.by_channel[c] for c in channels)],
        formats=[COUNT_FORMAT, COUNT_FORMAT, RATE_FORMAT, COUNT_FORMAT, COUNT_FORMAT,
                 RATE_FORMAT] + [COUNT_FORMAT] * len(channels))
    question_rows = []
    for q in survey.questions:
        result = results.questions[q["key"]]
        for option, count in (result.get("counts") or {}).items():
            question_rows.append((q["key"], survey_label(q), option, count))
        question_rows.append((q["key"], survey_label(q), _("answered"), result["answered"]))
    add_sheet(book, _("Questions"), [_("Key"), _("Question"), _("Answer"), _("Households")],
              question_rows, formats=[None, None, None, COUNT_FORMAT])
    keys = [q["key"] for q in survey.questions]
    add_sheet(book, _("Answers"), [_("Household"), _("Channel"), _("Answered at")] + keys,
              [(r.household.place_code, channel_label(r.channel.value),
                r.answered_at.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%d %H:%M"))
               + tuple(r.answers.get(k, "") for k in keys) for r in rows])
    return download(book_bytes(book), f"survey-{survey.code}.xlsx")
