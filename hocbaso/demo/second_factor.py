"""The demo's second factor: one known authenticator key for every demo account that needs one.

Production keys are random and shown once at enrolment. The demo's accounts are shared by
everyone trying the demo, so they all carry the same, published demo key (README, "Demo
accounts"): add it once to any authenticator app, or run ``hocbaso demo-otp`` for the current
code. Only ``hocbaso demo-data`` (demo mode) creates these devices.
"""

from __future__ import annotations

import base64
import time

from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from hocbaso.accounts import second_factor
from hocbaso.accounts.models import User

DEMO_KEY = b"hocbaso-demo-totp-k1"  # 20 bytes, like django-otp's own keys
DEMO_KEY_BASE32 = base64.b32encode(DEMO_KEY).decode()  # NBXWGYTBONXS2ZDFNVXS25DPORYC22ZR
DEMO_DEVICE_NAME = "demo authenticator"


def give_demo_devices() -> int:
    """A confirmed TOTP device with the demo key for every account that needs a second factor and
    has none; returns how many were created (none on a second run)."""
    enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    missing = [user for user in User.objects.exclude(pk__in=enrolled).order_by("pk") if second_factor.required(user)]
    TOTPDevice.objects.bulk_create(
        [TOTPDevice(user=user, name=DEMO_DEVICE_NAME, key=DEMO_KEY.hex(), confirmed=True) for user in missing]
    )
    return len(missing)


def current_codes(now: float | None = None) -> tuple[str, str]:
    """The demo key's code for this 30-second step and for the next one."""
    step = int((time.time() if now is None else now) // 30)
    return (f"{hotp(DEMO_KEY, step):06d}", f"{hotp(DEMO_KEY, step + 1):06d}")
