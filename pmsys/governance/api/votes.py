"""API: votes."""
