"""Competency frameworks, competencies, evidence and sign-offs (tracks belong to certification)."""
