"""Announcements to a cohort or a whole program, in one or several languages."""
