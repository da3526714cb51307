"""The fee part of /api/v1: billing, payments, bills, collection reports, public revenue."""

from pmsys.api.fees import bills, reports, revenue  # noqa: F401 (routes)
