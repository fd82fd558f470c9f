"""A unit's seal certificate as the reporting pages register it: the one door both the unit-seal
page and the Ministry page go through (``actions``), and the page flow they share (``pages``)."""
