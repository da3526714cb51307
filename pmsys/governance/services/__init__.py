"""Governance services: committees, votes, terms, coverage; and the read used by other domains."""

from __future__ import annotations

from pmsys.places.services import active_committees

__all__ = ["active_committees"]
