"""Tracks: what a certifying body requires, the hours logged towards them, and progress."""
