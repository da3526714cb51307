"""The governance part of /api/v1: committees, assembly votes and ballots, terms, coverage."""

from pmsys.api.governance import committees, coverage, terms, votes  # noqa: F401 (routes)
