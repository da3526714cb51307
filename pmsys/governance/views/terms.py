"""Governance pages: terms."""
