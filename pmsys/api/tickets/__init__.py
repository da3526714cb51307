"""The ticket part of /api/v1: tickets, routing preview, photos, notifications, measures."""

from pmsys.api.tickets import notifications, photos, reports, tickets  # noqa: F401 (routes)
