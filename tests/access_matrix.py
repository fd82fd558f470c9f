# ruff: noqa: E501  (a data table: one row per line reads best)
"""The access matrix's data: every persona's answer for every page and API operation.

Read by ``tests/test_access_matrix.py`` (its docstring says how to add rows). Keys are
``"METHOD route"``: pages as written in the URL conf (``classes/<int:pk>/``), API operations as in
the OpenAPI document (``/api/v1/classes/{class_id}/assessments/{point}``); `` [past]`` after a key
asks the same route about 2024-2025's objects. Values: ``"outcome: names | outcome: names"`` with
outcomes ``ok``, ``403``, ``404``, ``405``, ``login`` and names being personas, groups or ``rest``.
"""

from __future__ import annotations

from typing import Any

# The personas of hocbaso/testing.py (build_world + add_previous_year), and the anonymous visitor.
PERSONAS = [
    "anonymous",
    "stranger",  # signed in, no appointment
    "principal",  # school A
    "vice",  # school A
    "clerk",  # school A
    "homeroom",  # 3A of school A, 2025-2026
    "teacher",  # subject teacher (foreign language) of 3B, school A
    "former_homeroom",  # homeroom of 2A (2024-2025) until 30/6/2025: an ended appointment
    "principal_b",  # school B
    "officer",  # commune 1 (school A since 1/7/2025)
    "officer2",  # commune 2 (school B)
    "district_officer",  # the district abolished on 30/6/2025 (school A until then)
    "province_officer",
    "operator",  # superuser
    "parent",  # a guardian of An (3A), activated through the school's letter
]

GROUPS = {
    "heads": ["principal", "vice"],
    "school_a": ["principal", "vice", "clerk"],
    "teachers": ["homeroom", "teacher", "former_homeroom"],
    "officers": ["officer", "officer2", "district_officer", "province_officer"],
}

# URL parameter → kind of object (values in test_access_matrix._objects). A key "route:param"
# overrides for one route; a key ending in "/" names the kind of ``pk`` under that prefix.
OBJECTS = {
    "classes/": "class",
    "schools/": "school",
    "students/": "student",
    "records/versions/": "version",
    "records/corrections/": "correction",
    "records/students/": "student",
    "records/classes/": "class",
    "records/schools/": "school",
    "records/runs/": "run",
    "signing/batches/": "batch",
    "transfers/received/": "received",  # no bundle received: the same 404 for everyone allowed
    "transfers/": "transfer",  # a request from school A (student An) to school B
    "family/children/": "student",
    "family/shares/": "share",  # a share link of An's record
    "family/consents/": "consent",  # school B asks An's family
    "portal/classes/": "class",
    "portal/students/": "student",
    "portal/access/": "access",  # the parent's access to An's record
    "student_pk": "student",
    "school_pk": "school",
    "point": "point",
    "code": "code",
    "token": "token",
    "size": "size",
    "index": "index",
    "class_id": "class",
    "approval_id": "approval",
    "transfer_id": "transfer",
    "kind": "kind",
}

ROWS: dict[str, str] = {
    "GET ": "login: anonymous | ok: rest",
    # children's ratings: never officers (the defect: province/commune/district officers read them here)
    "GET /api/v1/classes/{class_id}/assessments/{point}": "ok: school_a homeroom operator | login: anonymous | 404: rest",
    "PUT /api/v1/classes/{class_id}/assessments/{point}": "ok: school_a homeroom operator | login: anonymous | 404: rest",
    "GET /api/v1/classes/{class_id}/assessments/{point} [3b]": "ok: school_a teacher operator | login: anonymous | 404: rest",
    "GET /api/v1/classes/{class_id}/assessments/{point} [past]": "ok: school_a former_homeroom operator | login: anonymous | 404: rest",
    "GET api/v1/openapi.json": "ok: rest",
    "GET /api/v1/signing/approvals": "login: anonymous | ok: rest",
    "POST /api/v1/signing/approvals/{approval_id}": "login: anonymous | 404: rest",
    "POST /api/v1/signing/approvals/{approval_id}/refuse": "login: anonymous | 404: rest",
    "GET /api/v1/verify/code/{code}": "ok: rest",
    "POST /api/v1/verify/file": "ok: rest",
    "GET /api/v1/verify/registry/{code}": "ok: rest",
    # a class page (teachers, head count); the abolished district's officer no longer sees 2025-2026
    "GET classes/<int:pk>/": "404: stranger teacher former_homeroom principal_b officer2 district_officer | login: anonymous | ok: rest | 403: parent",
    "GET classes/<int:pk>/ [past]": "404: stranger homeroom teacher principal_b officer2 | login: anonymous | ok: rest | 403: parent",
    "GET classes/<int:pk>/assessments/<str:point>/": "ok: school_a homeroom operator | 404: teacher former_homeroom principal_b | login: anonymous | 403: rest",
    "GET classes/<int:pk>/assessments/<str:point>/ [3b]": "ok: school_a teacher operator | 404: homeroom former_homeroom principal_b | login: anonymous | 403: rest",
    "GET classes/<int:pk>/assessments/<str:point>/cell/": "403: officers stranger | login: anonymous | 405: rest | 403: parent",
    "POST classes/<int:pk>/assessments/<str:point>/cell/": "ok: school_a homeroom operator | 404: teacher former_homeroom principal_b | login: anonymous | 403: rest",
    "GET classes/<int:pk>/assessments/<str:point>/import/": "ok: school_a homeroom operator | 404: teacher former_homeroom principal_b | login: anonymous | 403: rest",
    "GET classes/<int:pk>/assessments/<str:point>/template.xlsx": "ok: school_a homeroom operator | 404: teacher former_homeroom principal_b | login: anonymous | 403: rest",
    "GET classes/<int:pk>/results/": "ok: school_a homeroom operator | 404: teacher former_homeroom principal_b | login: anonymous | 403: rest",
    "GET classes/<int:pk>/summary/<str:point>/": "ok: school_a homeroom operator | 404: teacher former_homeroom principal_b | login: anonymous | 403: rest",
    "GET classes/<int:pk>/summary/<str:point>/ [past]": "ok: school_a former_homeroom operator | 404: homeroom teacher principal_b | login: anonymous | 403: rest",
    "GET classes/<int:pk>/year-page/": "ok: school_a homeroom operator | 404: teacher former_homeroom principal_b | login: anonymous | 403: rest",
    "POST classes/<int:pk>/year-page/": "ok: school_a homeroom operator | 404: teacher former_homeroom principal_b | login: anonymous | 403: rest",
    "GET /api/v1/transfers/": "login: anonymous | ok: rest",
    "GET /api/v1/transfers/admissions": "login: anonymous | ok: rest",  # named only for the caller's own schools
    "GET /api/v1/transfers/admissions/figures": "login: anonymous | ok: rest",  # figures per school, no child named
    "GET /api/v1/transfers/{transfer_id}": "ok: school_a principal_b operator | login: anonymous | 404: rest",
    "GET /api/v1/transfers/{transfer_id}/decision.xml": "login: anonymous | 404: rest",
    "GET /api/v1/verify/packet/{code}": "ok: rest",
    "GET transfers/<int:pk>/bundle/": "ok: school_a principal_b operator | login: anonymous | 403: rest",
    "GET transfers/<int:pk>/receipt/": "ok: school_a principal_b operator | login: anonymous | 403: rest",
    # officers read figures per school there, never a child's name (hocbaso/transfers/tests/test_admission.py)
    "GET transfers/admissions/": "403: stranger homeroom teacher former_homeroom parent | login: anonymous | ok: rest",
    "GET transfers/admissions/<int:school_pk>/export/": "ok: school_a | login: anonymous | 403: rest",
    "GET transfers/import/": "ok: principal vice principal_b | login: anonymous | 403: rest",
    "GET transfers/received/<int:pk>/": "404: school_a principal_b operator | login: anonymous | 403: rest",
    "GET transfers/received/<int:pk>/<str:kind>/": "404: school_a principal_b operator | login: anonymous | 403: rest",
    "GET transfers/trust/": "ok: operator | login: anonymous | 403: rest",
    # the transfer operations' bodies are refused by validation before the operation (422): these
    # rows check sign-in only; the actions' refusals are in hocbaso/transfers/tests
    "POST /api/v1/transfers/": "login: anonymous | ok: rest",
    "POST /api/v1/transfers/import": "login: anonymous | ok: rest",
    "POST /api/v1/transfers/trust": "login: anonymous | ok: rest",
    "POST /api/v1/transfers/{transfer_id}/accept": "login: anonymous | ok: rest",
    "POST /api/v1/transfers/{transfer_id}/bundle": "login: anonymous | ok: rest",
    "POST /api/v1/transfers/{transfer_id}/cancel": "login: anonymous | ok: rest",
    "POST /api/v1/transfers/{transfer_id}/decision": "login: anonymous | ok: rest",
    "POST /api/v1/transfers/{transfer_id}/receipt": "login: anonymous | ok: rest",
    "POST /api/v1/transfers/{transfer_id}/refuse": "login: anonymous | ok: rest",
    "POST /api/v1/verify/paper": "ok: rest",
    "GET account/password/": "login: anonymous | ok: rest",
    "GET account/second-factor/": "login: anonymous | ok: rest",
    "GET login/second-factor/": "login: anonymous | ok: rest",
    "GET staff/passwords/": "ok: principal principal_b operator | login: anonymous | 403: rest",
    "GET admin/login/": "login: rest",  # the admin's login is the project's sign-in page
    "GET family/": "ok: parent | login: anonymous | 403: rest",
    "GET family/activate/": "ok: rest",
    "GET family/children/<int:pk>/": "ok: parent | login: anonymous | 403: rest",
    "GET family/children/<int:pk>/files/<str:code>.pdf": "404: parent | login: anonymous | 403: rest",
    "GET family/children/<int:pk>/files/<str:code>.xml": "404: parent | login: anonymous | 403: rest",
    "GET family/children/<int:pk>/share/": "ok: parent | login: anonymous | 403: rest",
    "GET family/consents/<int:pk>/answer/": "405: parent | login: anonymous | 403: rest",
    "POST family/consents/<int:pk>/answer/": "ok: parent | login: anonymous | 403: rest",
    "GET family/login/": "ok: rest",
    "GET family/shares/<int:pk>/revoke/": "405: parent | login: anonymous | 403: rest",
    "POST family/shares/<int:pk>/revoke/": "ok: parent | login: anonymous | 403: rest",
    "GET portal/access/<int:pk>/revoke/": "405: school_a principal_b | login: anonymous | 403: rest",
    "POST portal/access/<int:pk>/revoke/": "ok: school_a | 404: principal_b | login: anonymous | 403: rest",
    "GET portal/classes/<int:pk>/letters/": "ok: school_a | 404: principal_b | login: anonymous | 403: rest",
    "GET portal/letters/": "ok: school_a principal_b | login: anonymous | 403: rest",
    "GET portal/students/<int:pk>/access/": "ok: school_a | 404: principal_b | login: anonymous | 403: rest",
    "GET s/<str:token>": "ok: rest",
    "GET s/<str:token>/<str:code>.pdf": "ok: rest",
    "GET s/<str:token>/<str:code>.xml": "ok: rest",
    "GET ledger/entries/<int:index>": "404: rest",
    "GET ledger/proof/consistency": "ok: rest",
    "GET ledger/proof/inclusion": "ok: rest",
    "GET ledger/public-key": "ok: rest",
    "GET ledger/tree-head": "404: rest",
    "GET ledger/tree-head/<int:size>": "404: rest",
    "GET login/": "ok: rest",
    "GET logout/": "405: rest",
    "GET records/classes/<int:pk>/": "ok: school_a homeroom operator | 404: former_homeroom principal_b | login: anonymous | 403: rest",
    "GET records/classes/<int:pk>/ [past]": "ok: school_a former_homeroom operator | 404: homeroom principal_b | login: anonymous | 403: rest",
    "GET records/classes/<int:pk>/assemble/": "403: officers stranger teacher | login: anonymous | 405: rest | 403: parent",
    # a class's issued records as a zip and as a print booklet: the class's record readers; the matrix
    # world has nothing issued, so they get 404 (tests/test_class_downloads.py downloads real ones)
    "GET records/classes/<int:pk>/issued.zip": "404: school_a homeroom operator former_homeroom principal_b | login: anonymous | 403: rest",
    "GET records/classes/<int:pk>/print.pdf": "404: school_a homeroom operator former_homeroom principal_b | login: anonymous | 403: rest",
    "GET records/corrections/<int:pk>/decide/": "403: officers stranger teacher | login: anonymous | 405: rest | 403: parent",
    "POST records/corrections/<int:pk>/decide/": "ok: principal vice | 404: former_homeroom principal_b | login: anonymous | 403: rest",
    "GET records/runs/<int:pk>/": "ok: school_a homeroom operator | 404: former_homeroom principal_b | login: anonymous | 403: rest",
    "GET records/schools/<int:pk>/": "ok: school_a operator | 404: homeroom former_homeroom principal_b | login: anonymous | 403: rest",
    "GET records/schools/<int:pk>/assemble/": "403: officers stranger teacher | login: anonymous | 405: rest | 403: parent",
    "GET records/students/<int:pk>/": "ok: school_a homeroom operator | 404: former_homeroom principal_b | login: anonymous | 403: rest",
    "GET records/students/<int:pk>/ [past]": "ok: school_a former_homeroom operator | 404: homeroom principal_b | login: anonymous | 403: rest",
    "GET records/students/<int:pk>/booklet.pdf": "ok: school_a homeroom operator | 404: former_homeroom principal_b | login: anonymous | 403: rest",
    "GET records/students/<int:pk>/booklet.pdf [3b]": "ok: school_a operator | 404: homeroom former_homeroom principal_b | login: anonymous | 403: rest",
    "GET records/versions/<int:pk>/": "ok: school_a homeroom operator | 404: former_homeroom principal_b | login: anonymous | 403: rest",
    "GET records/versions/<int:pk>/ [past]": "ok: school_a former_homeroom operator | 404: homeroom principal_b | login: anonymous | 403: rest",
    "GET records/versions/<int:pk>/corrections/": "403: officers stranger teacher | login: anonymous | 405: rest | 403: parent",
    "POST records/versions/<int:pk>/corrections/": "ok: clerk homeroom | 404: former_homeroom principal_b | login: anonymous | 403: rest",
    "GET records/versions/<int:pk>/document.pdf": "ok: school_a homeroom operator | 404: former_homeroom principal_b | login: anonymous | 403: rest",
    "GET records/versions/<int:pk>/document.pdf [3b]": "ok: school_a operator | 404: homeroom former_homeroom principal_b | login: anonymous | 403: rest",
    "GET records/versions/<int:pk>/document.pdf [past]": "ok: school_a former_homeroom operator | 404: homeroom principal_b | login: anonymous | 403: rest",
    "GET records/versions/<int:pk>/pdf/": "ok: school_a homeroom operator | login: anonymous | 404: rest | 403: parent",
    # the defect: a subject teacher of 3B downloaded the full record PDF the record page refuses
    "GET records/versions/<int:pk>/pdf/ [3b]": "ok: school_a operator | login: anonymous | 404: rest | 403: parent",
    "GET records/versions/<int:pk>/pdf/ [past]": "ok: school_a former_homeroom operator | login: anonymous | 404: rest | 403: parent",
    "GET schools/": "login: anonymous | ok: rest | 403: parent",
    "GET schools/<int:pk>/": "404: stranger principal_b officer2 | login: anonymous | ok: rest | 403: parent",
    "GET schools/<int:pk>/audit/": "ok: principal vice operator | 404: principal_b | login: anonymous | 403: rest",
    # only the principal (and the operator) appoints; the clerk's self-appointment is refused here
    "GET schools/<int:school_pk>/appointments/new/": "ok: principal operator | 404: principal_b | login: anonymous | 403: rest",
    "POST schools/<int:school_pk>/appointments/new/": "ok: principal operator | 404: principal_b | login: anonymous | 403: rest",
    "GET schools/<int:school_pk>/comment-bank/": "403: officers stranger | 404: principal_b | login: anonymous | ok: rest | 403: parent",
    "GET schools/<int:school_pk>/entry-windows/": "ok: principal vice | 403: officers stranger | login: anonymous | 404: rest | 403: parent",
    "POST schools/<int:school_pk>/entry-windows/": "ok: principal vice | 403: officers stranger | login: anonymous | 404: rest | 403: parent",
    "GET schools/<int:school_pk>/students/new/": "ok: school_a | 404: principal_b | login: anonymous | 403: rest",
    "POST schools/<int:school_pk>/students/new/": "ok: school_a | 404: principal_b | login: anonymous | 403: rest",
    "GET signing/app/": "ok: school_a homeroom principal_b | login: anonymous | 403: rest",
    "GET signing/batches/<int:pk>/": "ok: homeroom operator | login: anonymous | 404: rest | 403: parent",
    "GET signing/batches/<int:pk>/continue/": "login: anonymous | 405: rest | 403: parent",
    # only the batch's own signer continues it; the operator sees it but may not
    "POST signing/batches/<int:pk>/continue/": "ok: homeroom | 403: operator | login: anonymous | 404: rest | 403: parent",
    "GET signing/certificates/expiring/": "ok: principal vice principal_b | login: anonymous | 403: rest",
    "GET signing/certificates/new/": "ok: school_a homeroom principal_b | login: anonymous | 403: rest",
    "GET signing/pending/": "ok: school_a homeroom principal_b | login: anonymous | 403: rest",
    "POST signing/pending/": "ok: school_a homeroom principal_b | login: anonymous | 403: rest",
    "GET students/<int:pk>/": "ok: school_a homeroom operator | login: anonymous | 404: rest | 403: parent",
    "GET students/<int:pk>/ [3b]": "ok: school_a teacher operator | login: anonymous | 404: rest | 403: parent",
    "GET students/<int:pk>/ [past]": "ok: school_a former_homeroom operator | login: anonymous | 404: rest | 403: parent",
    "GET students/<int:pk>/assessment-history/": "ok: school_a homeroom operator | 404: teacher former_homeroom principal_b | login: anonymous | 403: rest",
    "GET students/<int:pk>/edit/": "ok: school_a | 404: principal_b | login: anonymous | 403: rest",
    "POST students/<int:pk>/edit/": "ok: school_a | 404: principal_b | login: anonymous | 403: rest",
    "GET students/<int:pk>/enrol/": "ok: school_a | 404: principal_b | login: anonymous | 403: rest",
    "POST students/<int:pk>/enrol/": "ok: school_a | 404: principal_b | login: anonymous | 403: rest",
    "GET transfers/": "ok: school_a principal_b operator | login: anonymous | 403: rest",
    "GET transfers/<int:pk>/": "ok: school_a principal_b operator | login: anonymous | 403: rest",
    "GET transfers/<int:pk>/decision.xml": "404: school_a principal_b operator | login: anonymous | 403: rest",  # no decision signed yet
    "GET transfers/new/<int:student_pk>/": "ok: school_a operator | 404: principal_b | login: anonymous | 403: rest",
    "GET verify": "ok: rest",
    "GET verify/": "ok: rest",
    "GET verify/<str:code>": "ok: rest",
    "GET verify/tree-head.json": "404: rest",
    "GET verify/trust-bundle.json": "ok: rest",
}

# Request bodies (form fields, or the JSON object of an API operation) for rows whose view reads its
# input before deciding; ``{kind}`` is replaced by that object's value (see OBJECTS).
BODIES: dict[str, dict[str, Any]] = {
    "PUT /api/v1/classes/{class_id}/assessments/{point}": {"cells": []},
    "POST /api/v1/signing/approvals/{approval_id}": {"pdf_signature": "", "xml_signature": ""},
    "POST schools/<int:school_pk>/entry-windows/": {"year": "{year}", "point": "mid1", "open": "1", "reason": "x"},
}
