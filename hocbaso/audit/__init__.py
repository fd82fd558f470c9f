"""Append-only, hash-chained audit trail. Write with ``hocbaso.audit.actions.record``."""
