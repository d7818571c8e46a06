"""In-app notifications and the mail that goes with them, from the domain events."""
