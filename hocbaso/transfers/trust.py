"""What a bundle, a decision or a receipt from another deployment is judged against: this
deployment's own trust (``verification.registry.trust_store``) widened by the trust bundles an
operator imported (``TrustedDeployment``, active ones only). Nothing else is ever trusted: a
bundle sealed under any other root is "cannot determine — unknown issuer"."""

from __future__ import annotations

from hocbaso.transfers.models import TrustedDeployment
from hocbaso.verification import core, registry
from hocbaso.verification.trust import load_bundle


def trust_for_import() -> core.TrustStore:
    own = registry.trust_store()
    roots, intermediates, crls = list(own.roots), list(own.intermediates), list(own.crls)
    for raw in TrustedDeployment.objects.filter(active=True).values_list("bundle", flat=True):
        other = load_bundle(bytes(raw)).trust
        roots.extend(other.roots)
        intermediates.extend(other.intermediates)
        crls.extend(other.crls)
    return core.TrustStore(
        roots=tuple(roots),
        intermediates=tuple(intermediates),
        crls=tuple(crls),
        ledger_public_key_pem=own.ledger_public_key_pem,
        allow_fetching=own.allow_fetching,
        revocation_mode=own.revocation_mode,
        demo=own.demo,
    )
