"""curriculum app."""
