"""Assignments: submissions (text or an uploaded file), rubrics and grading by hand."""
