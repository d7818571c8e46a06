"""Competency frameworks, competencies, tracks and the progress towards them."""
