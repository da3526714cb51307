"""Fee pages: a community's fees, a resident's bills, collection reports, public revenue."""

from flask import Blueprint

bp = Blueprint("fees", __name__)

from pmsys.web.fees import fund, pages, payments, reports, revenue  # noqa: E402,F401 (routes)

__all__ = ["bp"]
