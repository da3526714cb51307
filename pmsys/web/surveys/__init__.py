"""Survey pages: the list, defining one, the survey with its results, answering on the phone,
recording a paper form or a follow-up call, the QR code and the Excel export."""

from flask import Blueprint

bp = Blueprint("surveys", __name__)

from pmsys.web.surveys import views  # noqa: E402,F401 (routes)

__all__ = ["bp"]
