"""Owners' committees, assembly votes and management terms."""
