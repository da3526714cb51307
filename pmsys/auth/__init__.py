"""Organisations, users, roles, API tokens and permissions."""
