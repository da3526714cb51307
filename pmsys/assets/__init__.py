"""Renovation projects, warranty, the asset register and ownership hand-overs."""
