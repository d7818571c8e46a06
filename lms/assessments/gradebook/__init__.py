"""The gradebook: every grade of a cohort, overrides, the CSV export and the trainee's view."""
