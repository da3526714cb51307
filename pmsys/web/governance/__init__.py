"""Governance pages: the owners' committee, assembly votes, management terms, coverage."""

from flask import Blueprint

bp = Blueprint("governance", __name__)

from pmsys.web.governance import committee, coverage, terms, votes  # noqa: E402,F401 (routes)

__all__ = ["bp"]
