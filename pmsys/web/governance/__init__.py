"""Governance pages: the owners' committee, assembly votes, management terms, coverage."""

from flask import Blueprint

bp = Blueprint("governance", __name__)

from pmsys.web.governance import (  # noqa: E402,F401 (routes)
    committee,
    coverage,
    terms,
    three_coverages,
    votes,
)

__all__ = ["bp"]
