"""The fee part of /api/v1: billing, payments, bills, collection reports, public revenue."""

from pmsys.fees.api import bills, reports, revenue  # noqa: F401 (routes)
