"""API: terms."""
