"""The management coverage report (docs/domain.md#coverage): communities with a term in force on a
day, by street or district, and the communities without one.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from pmsys import clock
from pmsys.errors import Forbidden, InvalidInput
from pmsys.extensions import db
from pmsys.governance import access
from pmsys.governance.services import coverage as coverage_service
from pmsys.labels import MODE_LABELS
from pmsys.web.assets.common import current_actor
from pmsys.web.governance import bp
from pmsys.web.governance.forms import CoverageForm

MODES = ("professional", "self", "community", "original_unit")


@bp.get("/reports/coverage")
@login_required
def coverage_report():
    """Coverage on a day (today unless asked), grouped by street or district."""
    user = current_actor()
    if not access.may_read_coverage(user):
        raise Forbidden(_("The coverage report is for street offices, housing bureaus and "
                          "system administrators."))
    form = CoverageForm(formdata=request.args)
    report = None
    if form.validate():
        try:
            report = coverage_service.coverage(db.session, user, form.on.data or clock.today(),
                                               level=form.level.data)
        except InvalidInput as refused:
            for name in refused.fields or {"on": ""}:
                target = form.level if name == "level" else form.on
                target.errors = [_("Please correct this field.")]
        else:
            form.on.data = form.on.data or clock.today()
    return render_template("governance/coverage.html", form=form, report=report, modes=MODES,
                           mode_labels=MODE_LABELS), 200 if report else 400
