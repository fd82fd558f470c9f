"""Học bạ số: digital school records for Vietnamese primary schools."""
