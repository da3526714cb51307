"""API: coverage."""
