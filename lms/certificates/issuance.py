"""Issuing certificates: course completion, track certification, renewal, correction.

(Being written: see the certification brief.)
"""

from __future__ import annotations


def enrolment_result_changed(enrolment, actor) -> None:
    """Called after an enrolment's status changed because of its course result."""
