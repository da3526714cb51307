"""Survey forms, and the one-question-per-line format of the new survey form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

SCOPE_KINDS = [SelectChoice("community", _l("Community")),
               SelectChoice("project", _l("Renovation project")),
               SelectChoice("org", _l("Managing organisation"))]
CHANNELS_STAFF = [SelectChoice("paper", _l("Paper form")),
                  SelectChoice("phone", _l("Follow-up call"))]

QUESTION_FORMAT = _l(
    "One question per line: key | kind (choice, scale or text) | 中文 label / English label | "
    "choices separated by ; | satisfied answers separated by ;")
QUESTION_EXAMPLE = (
    "overall | choice | 总体是否满意 / Satisfied overall | 满意;基本满意;不满意 | 满意;基本满意\n"
    "quality | scale | 施工质量 / Quality of the work | | 4;5\n"
    "comment | text | 意见和建议 / Comments")


class SurveyForm(FlaskForm):
    """Define a survey; the questions are lines of QUESTION_FORMAT."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    scope_kind = SelectField(_l("Who is asked"), choices=SCOPE_KINDS)
    scope_code = StringField(_l("Code of the community, project or organisation"),
                             validators=[DataRequired(), Length(max=64)])
    opens_on = DateField(_l("Opens on"), validators=[DataRequired()])
    closes_on = DateField(_l("Closes on (the last day)"), validators=[DataRequired()])
    questions = TextAreaField(_l("Questions"), validators=[DataRequired(), Length(max=20000)])


class AnswerForm(FlaskForm):
    """A resident's answer; the question fields are read from the request by their keys."""

    household = SelectField(_l("Household"), validators=[Optional()], choices=[])


class RecordForm(FlaskForm):
    """Staff recording a paper form or a follow-up call for a named household."""

    household = StringField(_l("Household (community/building/unit/household)"),
                            validators=[DataRequired(), Length(max=300)])
    channel = SelectField(_l("How it was answered"), choices=CHANNELS_STAFF)


def _values(text: str, scale: bool) -> list:
    values = [v.strip() for v in text.split(";") if v.strip()]
    return [int(v) if scale and v.isdigit() else v for v in values]


def parse_questions(text: str) -> list[dict]:
    """The question lines as the service takes them; a line that is not in the format is kept
    as far as it goes, so the service names what is missing."""
    questions = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        parts += [""] * (5 - len(parts))
        key, kind, label, choices, satisfied = parts[:5]
        zh, _sep, en = label.partition("/")
        question: dict = {"key": key, "kind": kind,
                          "label": {"zh": zh.strip(), "en": en.strip() or zh.strip()}}
        if choices:
            question["choices"] = _values(choices, False)
        if satisfied:
            question["satisfied"] = _values(satisfied, kind == "scale")
        questions.append(question)
    return questions

