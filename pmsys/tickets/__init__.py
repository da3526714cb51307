"""Repair tickets: categories, routing, deadlines, lifecycle."""
