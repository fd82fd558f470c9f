"""Test-wide settings that must be in place before Django starts."""

import os

os.environ.setdefault("HOCBASO_SECRET_KEY", "tests-only-not-a-secret")
os.environ.setdefault("HOCBASO_DEMO", "1")
