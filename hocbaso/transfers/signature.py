"""Signing the transfer's documents with the same means as a record's signatures.

``opened(by=, credential=, authorisation=, role=, school=)`` opens the signer's credential (a
PKCS#12 file, a token or a remote CSC service: ``signing.providers.source_for``) once, checks it
is usable now (trusted, not revoked, not expired) and yields the kit and the title to claim. The
principal's decision uses their personal certificate (role ``principal``); the bundle and the
acceptance receipt use the school's seal (role ``school``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.utils.translation import gettext_lazy as _

from hocbaso.core import clock
from hocbaso.core.errors import PermissionRefused
from hocbaso.directory.models import Appointment, School
from hocbaso.directory.permissions import staff_of
from hocbaso.records import signed_record
from hocbaso.signing import order, pending, providers, refusals, trust, xades
from hocbaso.signing.models import SignatureRole, SigningCredential


def title_for(by: Any, role: str, school: School) -> str:
    """The title ``by`` signs with for ``school`` today; ``signer_not_appointed`` when none fits."""
    staff = staff_of(by)
    allowed = order.SIGNING_ROLES[SignatureRole(role)]
    found = (
        sorted(
            Appointment.objects.active_on(clock.today()).filter(staff=staff, school=school, role__in=allowed),
            key=lambda a: allowed.index(a.role),
        )
        if staff is not None
        else []
    )
    if not found:
        raise refusals.SignerNotAppointed(
            _("Only the principal of %(school)s may sign this.") % {"school": school.name}
            if role == SignatureRole.PRINCIPAL
            else _("Only the principal or the clerk of %(school)s may apply its seal.") % {"school": school.name}
        )
    return signed_record.title_for(role, found[0].role)


@contextmanager
def opened(
    *, by: Any, credential: SigningCredential, authorisation: str, role: str, school: School
) -> Iterator[tuple[providers.Kit, str]]:
    """The opened kit of ``credential`` and the title, after every check a record signature passes."""
    title = title_for(by, role, school)
    usable = pending.credentials_for(by, role).filter(pk=credential.pk)
    if role == SignatureRole.SCHOOL:
        usable = usable.filter(school=school)
    if not usable.exists():
        raise PermissionRefused(_("You may not sign with this certificate here."), code="credential_not_yours")
    source = providers.source_for(credential, authorisation)
    with providers.open_kit(source) as kit:
        trust.check_certificate(kit.certificate, kit.chain, trust.default_trust())
        yield kit, title


def sign_document(document: bytes, kit: providers.Kit, title: str) -> bytes:
    """``document`` with one more XAdES signature over its content, claiming ``title``."""
    return xades.sign_xml(document, key=kit.xml_key, cert_chain=[kit.certificate, *kit.chain], role=title)
