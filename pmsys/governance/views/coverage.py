"""Governance pages: coverage."""
