"""verification app."""
