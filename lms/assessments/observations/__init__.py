"""Skills observations: checklist items, each recorded as met or not yet for a trainee."""
