"""Evaluation pages (docs/domain.md#evaluation): the ranked scores and their export, the
bureau's published bulletins (半月通报), the yearly result with its reward tier, and the street
offices' inspection deductions."""

from flask import Blueprint

bp = Blueprint("evaluation", __name__)

from pmsys.web.evaluation import views  # noqa: E402,F401 (routes)

__all__ = ["bp"]
