"""Writes of the rosters app."""
