"""The ticket part of /api/v1: tickets, routing preview, photos, notifications, measures."""

from pmsys.api.tickets import (  # noqa: F401 (routes)
    callbacks,
    leaders,
    notifications,
    photos,
    public_reports,
    reports,
    tickets,
)
