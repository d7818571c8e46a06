"""End-of-course evaluations and follow-up surveys (Kirkpatrick levels 1 and 3)."""
