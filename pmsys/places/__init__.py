"""Regions, communities, buildings, units, households and people."""
