from hocbaso.signing.tests.conftest import pki, services  # noqa: F401  (session PKI + loopback TSA/OCSP)
from hocbaso.signing.tests.factories import signing_env  # noqa: F401
