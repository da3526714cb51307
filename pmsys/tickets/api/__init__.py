"""The ticket part of /api/v1: tickets, routing preview, photos, notifications, measures."""

from pmsys.tickets.api import notifications, photos, reports, tickets  # noqa: F401 (routes)
