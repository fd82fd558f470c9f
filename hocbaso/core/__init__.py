"""Shared kernel: domain errors with stable codes, the clock, text normalisation, permission rules."""
