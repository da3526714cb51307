"""Ticket pages: filing (also from a building's QR code), queues, the ticket, measures."""

from flask import Blueprint

bp = Blueprint("tickets", __name__)

from pmsys.web.tickets import (  # noqa: E402,F401 (routes)
    callbacks,
    common,
    detail,
    leaders,
    notifications,
    pages,
    public,
    qr,
    reports,
)

__all__ = ["bp"]
