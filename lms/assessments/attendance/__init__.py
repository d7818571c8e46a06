"""Attendance: a cohort's sessions and registers, graded as the share of sessions attended."""
