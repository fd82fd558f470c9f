"""Seed a throwaway deployment for the deployment test and the restore drill; prints one JSON line.

Run with that deployment's environment (``HOCBASO_VAR_DIR``, ``DATABASE_URL``…), from the checkout:

- ``python -m tests.deploy.seed drill`` (demo mode): migrate, the test world, the demo PKI
  (``hocbaso pki init``), three frozen record versions signed by the homeroom teacher through the
  web entry (``actions.submit_batch``; tasks in process), and the audit chain anchored.
- ``python -m tests.deploy.seed deploy PKI_DIR`` (production settings, ``HOCBASO_TASKS=database``):
  migrate, the test world, a certificate from the test PKI in ``PKI_DIR`` registered for the
  homeroom teacher, and a batch of three versions submitted — queued for a task worker, not run.
- ``python -m tests.deploy.seed machines PKI_DIR COUNT`` (production settings): migrate, the test
  world, the homeroom teacher's certificate from ``PKI_DIR`` and authenticator app, and ``COUNT``
  frozen versions of one class waiting for the homeroom signature — signed through the web by the
  several-machines test (test_several_machines.py).
"""

from __future__ import annotations

import json
import os
import sys
import uuid

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402

from hocbaso.signing import actions, trust  # noqa: E402
from hocbaso.signing.models import SignatureRole, SigningCredential  # noqa: E402
from hocbaso.signing.pki import DemoPKI  # noqa: E402
from hocbaso.signing.tests.factories import PASSWORD, make_class_versions, register_credential  # noqa: E402
from hocbaso.testing import PASSWORD as USER_PASSWORD  # noqa: E402
from hocbaso.testing import World, build_world, give_second_factor  # noqa: E402


def main(mode: str, *args: str) -> dict[str, object]:
    call_command("migrate", verbosity=0, interactive=False)
    world = build_world()
    homeroom = world.users["homeroom"]
    if mode == "machines":
        return machines(world, DemoPKI.load(args[0]), int(args[1]))
    if mode == "drill":
        call_command("pki", "init", verbosity=0)
        credential = SigningCredential.objects.get(staff=homeroom.staff, active=True)
        authorisation = trust.demo_pkcs12_password()
    else:
        credential, _source = register_credential(DemoPKI.load(args[0]), homeroom)
        authorisation = PASSWORD
    versions = make_class_versions(world, 3)
    batch = actions.submit_batch(
        by=homeroom,
        version_ids=[v.pk for v in versions],
        role=SignatureRole.HOMEROOM,
        credential=credential,
        idempotency_key=uuid.uuid4().hex,
        authorisation=authorisation,
    )
    if mode == "drill":
        call_command("audit-anchor", verbosity=0)
    batch.refresh_from_db()
    return {"batch": batch.pk, "state": str(batch.state), "versions": [v.pk for v in versions]}


def machines(world: World, pki: DemoPKI, count: int) -> dict[str, object]:
    homeroom = world.users["homeroom"]
    credential, _source = register_credential(pki, homeroom)
    device = give_second_factor(homeroom)
    versions = make_class_versions(world, count)
    return {
        "username": homeroom.username,
        "password": USER_PASSWORD,
        "totp_key": device.key,
        "credential": credential.pk,
        "credential_file": credential.config["file"],
        "authorisation": PASSWORD,
        "versions": [v.pk for v in versions],
        "other_username": world.users["principal"].username,
    }


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
