"""Administration screens: users and their roles, institutions, certifying bodies and
their officers, programs and their coordinators, and the audit log.

A top floor: it reads and writes the tables of every floor below (a merge of two
institutions moves users, cohorts and tracks), and only administrators reach it.
"""
