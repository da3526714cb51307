"""An organisation's integrations page: API keys, webhooks and their delivery log."""

from flask import Blueprint

bp = Blueprint("integrations", __name__)

from pmsys.web.integrations import views as _views  # noqa: E402,F401
