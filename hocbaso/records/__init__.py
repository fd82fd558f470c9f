"""records app."""
