"""Home page per role, community list and community detail."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("places", __name__)


@bp.get("/")
@login_required
def home():
    """The home page of the logged-in user's role."""
    return render_template("places/home.html")
