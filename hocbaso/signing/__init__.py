"""signing app."""
