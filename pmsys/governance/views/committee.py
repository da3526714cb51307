"""Governance pages: committee."""
