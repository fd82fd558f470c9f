"""Who signs which record version when: the order of the signatures and the signer's appointment.

Order on every version (the transition table of ``records.models``, the vocabulary of
``records.signed_record``): ``frozen`` --homeroom--> ``signed_homeroom`` --principal-->
``signed_principal`` --school--> ``issued``. A digitised copy of a paper book (``records.digitising``,
origin ``digitised``) takes the school seal alone, on ``frozen``: that certification signature is the
conversion certification (:func:`required_status`; the homeroom teacher and principal signed the
paper original).

- ``homeroom``: the homeroom teacher of the version's class, with a personal certificate; the
  PDF signature is the certification signature (DocMDP "fill forms").
- ``principal``: the principal ("Hiệu trưởng") or a vice-principal ("KT. Hiệu trưởng").
- ``school``: the school's organisation certificate (the seal), applied by the principal or the
  clerk; the PDF then gets validation data and an archive timestamp (PAdES B-LT + B-LTA) and the
  version is issued (:mod:`hocbaso.signing.issuance`).

The signer must hold the signature's permission (``directory.roles``: ``SIGN_AS_HOMEROOM``,
``SIGN_AS_PRINCIPAL``, ``APPLY_SCHOOL_SEAL``) through an appointment valid on the signing date and
recorded before the signature (``signer_not_appointed`` otherwise); one person gives at most one of
the two personal signatures (homeroom, principal) on a version (``signer_two_roles``).
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from hocbaso.core import clock
from hocbaso.directory.models import Appointment, Role, StaffMember
from hocbaso.directory.roles import Permission, appointments_granting, roles_granting
from hocbaso.records import signed_record
from hocbaso.records.models import Origin, RecordVersion
from hocbaso.signing.models import SignatureEvent, SignatureRole
from hocbaso.signing.refusals import SignerInTwoRoles, SignerNotAppointed

REQUIRED_STATUS = signed_record.REQUIRED_STATUS
NEXT_STATUS = signed_record.NEXT_STATUS
# The permission each signature needs (``directory.roles``), and the appointment roles granting it,
# the preferred one first (principal before vice-principal).
SIGNATURE_PERMISSIONS = {
    SignatureRole.HOMEROOM: Permission.SIGN_AS_HOMEROOM,
    SignatureRole.PRINCIPAL: Permission.SIGN_AS_PRINCIPAL,
    SignatureRole.SCHOOL: Permission.APPLY_SCHOOL_SEAL,
}
SIGNING_ROLES = {role: roles_granting(permission) for role, permission in SIGNATURE_PERMISSIONS.items()}
PERSONAL_SIGNATURES = signed_record.PERSONAL_ROLES
# Titles are document text (Vietnamese, not UI): shown in the PDF signature and XAdES ClaimedRole.
TITLES = signed_record.TITLES
SEAL_TITLE = signed_record.SEAL_TITLE


def required_status(version: RecordVersion, role: str) -> str | None:
    """The status ``version`` must have to take ``role``'s signature; None when it never takes it
    (a digitised copy takes only the school seal, on ``frozen``)."""
    return signed_record.required_status(role, digitised=version.origin == Origin.DIGITISED)


def certifies(version: RecordVersion, role: str) -> bool:
    """Whether ``role``'s PDF signature is the certification signature (DocMDP "fill forms"): the
    homeroom teacher's on a born-digital record, the school seal's on a digitised copy."""
    return signed_record.certifies(role, digitised=version.origin == Origin.DIGITISED)


def appointment_for(
    signer: StaffMember, version: RecordVersion, role: str, *, on: dt.date, at: dt.datetime | None = None
) -> tuple[Appointment, str]:
    """The appointment that entitles ``signer`` to sign ``version`` as ``role`` on ``on``, and the title shown.

    Only appointments recorded at or before ``at`` (now by default) count, the same rule the
    verification applies. Raises ``SignerNotAppointed`` when no appointment fits, and
    ``SignerInTwoRoles`` when ``signer`` already gave the version's other personal signature.
    """
    allowed = SIGNING_ROLES[SignatureRole(role)]
    candidates = appointments_granting(
        signer, SIGNATURE_PERMISSIONS[SignatureRole(role)], on=on, recorded_before=at or clock.now()
    )
    if role == SignatureRole.HOMEROOM:
        candidates = candidates.filter(class_group_id=version.class_group_id)
    else:
        candidates = candidates.filter(school_id=version.school_id)
    found = sorted(candidates, key=lambda a: allowed.index(Role(a.role)))
    if not found:
        raise SignerNotAppointed(
            _("%(name)s does not hold the role needed for this signature on %(day)s.")
            % {"name": signer.full_name, "day": on.strftime("%d/%m/%Y")}
        )
    refuse_second_role(signer, version, role)
    appointment = found[0]
    return appointment, signed_record.title_for(role, appointment.role)


def refuse_second_role(signer: StaffMember, version: RecordVersion, role: str) -> None:
    """Raise ``SignerInTwoRoles`` if ``signer`` already gave another personal signature on ``version``."""
    if role not in PERSONAL_SIGNATURES:
        return
    others = [r for r in PERSONAL_SIGNATURES if r != role]
    if SignatureEvent.objects.filter(version_id=version.pk, signer=signer, role__in=others).exists():
        raise SignerInTwoRoles(
            _("%(name)s already signed this record in another role; one person signs it in one role only.")
            % {"name": signer.full_name}
        )
