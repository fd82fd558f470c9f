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
    "records/paper/classes/": "class",
    "records/schools/": "school",
    "records/runs/": "run",
    "records/digitising/": "book",  # a paper book of school A being digitised (Bình, 3A)
    "records/digitising/runs/": "digitising_run",
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
    "reports/ministry/submissions/": "submission",  # a batch of the province's Sở
    "reports/ministry/": "department",  # the province's Sở
    "department_id": "department",
    "submission_id": "submission",
    "readiness/schools/": "school",
    "supervision/visits/": "visit",  # a visit to school A recorded today by commune 1's officer
    "supervision/follow-ups/": "follow_up",  # its open follow-up
    "move": "move",  # mark_done
    "role": "guide",  # the homeroom teacher's guide
    "reports/units/": "unit",  # commune 1 (school A since 1/7/2025)
    "reports/schools/": "school",
    "reports/classes/": "class",
    "reports/runs/": "report_run",  # commune 1's roll-up of 2025-2026, finished with its files
    "unit_id": "unit",
    "school_id": "school",
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
    # the grid at the point open now (a redirect to the grid): read like the grid
    "GET classes/<int:pk>/assessments/": "ok: school_a homeroom operator | 404: teacher former_homeroom principal_b | login: anonymous | 403: rest",
    # a block pasted into the grid, or the undo: read and written like one cell
    "GET classes/<int:pk>/assessments/<str:point>/cells/": "403: officers stranger | login: anonymous | 405: rest | 403: parent",
    "POST classes/<int:pk>/assessments/<str:point>/cells/": "ok: school_a homeroom operator | 404: teacher former_homeroom principal_b | login: anonymous | 403: rest",
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
    # the transfer operations, with bodies that pass validation (BODIES) so the operation decides:
    # the sending school requests, cancels, seals the bundle, imports the receipt; its principal
    # decides; the receiving school accepts, refuses, imports a bundle; the operator only trusts
    "POST /api/v1/transfers/": "ok: school_a | 403: homeroom operator | login: anonymous | 404: rest",
    "POST /api/v1/transfers/import": "ok: principal_b | login: anonymous | 404: rest",
    "POST /api/v1/transfers/trust": "ok: operator | login: anonymous | 403: rest",
    "POST /api/v1/transfers/{transfer_id}/accept": "ok: principal_b | 403: school_a operator | login: anonymous | 404: rest",
    "POST /api/v1/transfers/{transfer_id}/bundle": "ok: principal clerk | login: anonymous | 404: rest",
    "POST /api/v1/transfers/{transfer_id}/cancel": "ok: school_a | 403: principal_b operator | login: anonymous | 404: rest",
    "POST /api/v1/transfers/{transfer_id}/decision": "ok: principal | login: anonymous | 404: rest",
    "POST /api/v1/transfers/{transfer_id}/receipt": "ok: school_a | 403: principal_b operator | login: anonymous | 404: rest",
    "POST /api/v1/transfers/{transfer_id}/refuse": "ok: principal_b | 403: school_a operator | login: anonymous | 404: rest",
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
    # paper mode: only the officer over the school sets it (another commune's officer: 404, the
    # abolished district's officer and the school's own staff: 403); the paper book pages print for
    # the class's homeroom teacher and the school's heads and clerk; books are recorded by the clerk
    # or principal (the world's year is digital: the pages answer with the refusal)
    "GET paper-mode/": "ok: officer officer2 province_officer | login: anonymous | 403: rest",
    "POST paper-mode/": "ok: officer province_officer | 404: officer2 | login: anonymous | 403: rest",
    "GET records/paper/classes/<int:pk>/": "ok: school_a homeroom | 404: principal_b | login: anonymous | 403: rest",
    "POST records/paper/classes/<int:pk>/": "ok: principal clerk | 404: principal_b | login: anonymous | 403: rest",
    "GET records/paper/classes/<int:pk>/ [past]": "ok: school_a | 404: homeroom principal_b | login: anonymous | 403: rest",
    "GET records/paper/classes/<int:pk>/pages.pdf": "ok: school_a homeroom | 404: principal_b | login: anonymous | 403: rest",
    "GET records/paper/classes/<int:pk>/students/<int:student_pk>/pages.pdf": "ok: school_a homeroom | 404: principal_b | login: anonymous | 403: rest",
    "GET records/classes/<int:pk>/": "ok: school_a homeroom operator | 404: former_homeroom principal_b | login: anonymous | 403: rest",
    "GET records/classes/<int:pk>/ [past]": "ok: school_a former_homeroom operator | 404: homeroom principal_b | login: anonymous | 403: rest",
    "GET records/classes/<int:pk>/assemble/": "403: officers stranger teacher | login: anonymous | 405: rest | 403: parent",
    # a class's issued records as a zip and as a print booklet: the class's record readers; the matrix
    # world has nothing issued, so they get 404 (tests/test_class_downloads.py downloads real ones)
    "GET records/classes/<int:pk>/issued.zip": "404: school_a homeroom operator former_homeroom principal_b | login: anonymous | 403: rest",
    "GET records/classes/<int:pk>/print.pdf": "404: school_a homeroom operator former_homeroom principal_b | login: anonymous | 403: rest",
    "GET records/corrections/<int:pk>/decide/": "403: officers stranger teacher | login: anonymous | 405: rest | 403: parent",
    "POST records/corrections/<int:pk>/decide/": "ok: principal vice | 404: former_homeroom principal_b | login: anonymous | 403: rest",
    # digitising paper books: the school's principal, vice-principal and clerk (digitise_records)
    "GET records/schools/<int:pk>/digitising/": "ok: school_a | 404: principal_b | login: anonymous | 403: rest",
    "GET records/schools/<int:pk>/digitising/scan/": "ok: school_a | 404: principal_b | login: anonymous | 403: rest",
    "POST records/schools/<int:pk>/digitising/scan/": "ok: school_a | 404: principal_b | login: anonymous | 403: rest",
    "GET records/digitising/<int:pk>/": "ok: school_a | 404: principal_b | login: anonymous | 403: rest",
    "GET records/digitising/<int:pk>/scan.pdf": "ok: school_a | 404: principal_b | login: anonymous | 403: rest",
    "GET records/digitising/<int:pk>/transcribe/": "405: school_a principal_b | login: anonymous | 403: rest",
    "POST records/digitising/<int:pk>/transcribe/": "ok: school_a | 404: principal_b | login: anonymous | 403: rest",
    "GET records/digitising/<int:pk>/compare/": "405: school_a principal_b | login: anonymous | 403: rest",
    "POST records/digitising/<int:pk>/compare/": "ok: school_a | 404: principal_b | login: anonymous | 403: rest",
    "GET records/digitising/runs/<int:pk>/": "ok: school_a | 404: principal_b | login: anonymous | 403: rest",
    # a digitised copy's scan, for whoever presents its code (the matrix's code is a born-digital version: none)
    "GET verify/<str:code>/scan.pdf": "404: rest",
    "GET /api/v1/verify/code/{code}/scan": "404: rest",
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
    "GET schools/<int:school_pk>/entry-progress/": "ok: principal vice | 403: officers stranger | login: anonymous | 404: rest | 403: parent",
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
    # the Ministry export: the province's own officer only (never a commune's, a district's, the
    # operator or school staff); counts and codes, no child named (hocbaso/reporting/ministry/tests)
    "GET reports/ministry/": "ok: province_officer | login: anonymous | 403: rest",
    "GET reports/ministry/<int:pk>/": "ok: province_officer | login: anonymous | 403: rest",
    "POST reports/ministry/<int:pk>/": "ok: province_officer | login: anonymous | 403: rest",
    "GET reports/ministry/<int:pk>/seal/": "ok: province_officer | login: anonymous | 403: rest",
    "POST reports/ministry/<int:pk>/seal/": "ok: province_officer | login: anonymous | 403: rest",
    "GET reports/ministry/submissions/<int:pk>/": "ok: province_officer | login: anonymous | 403: rest",
    "GET reports/ministry/submissions/<int:pk>/retry/": "405: province_officer | login: anonymous | 403: rest",
    "POST reports/ministry/submissions/<int:pk>/retry/": "ok: province_officer | login: anonymous | 403: rest",
    "GET /api/v1/reports/ministry/departments": "login: anonymous | ok: rest",  # empty but for the province's officer
    "GET /api/v1/reports/ministry/departments/{department_id}/preview": "ok: province_officer | login: anonymous | 404: rest",
    "GET /api/v1/reports/ministry/submissions": "login: anonymous | ok: rest",  # empty but for the province's officer
    "POST /api/v1/reports/ministry/submissions": "ok: province_officer | login: anonymous | 404: rest",
    "GET /api/v1/reports/ministry/submissions/{submission_id}": "ok: province_officer | login: anonymous | 404: rest",
    "POST /api/v1/reports/ministry/submissions/{submission_id}/retry": "ok: province_officer | login: anonymous | 404: rest",
    # readiness and supervision (hocbaso/reporting/readiness): the heads declare and answer, officers
    # read their units' schools and record visits; the abolished district reads only before 1/7/2025
    "GET readiness/": "ok: heads principal_b officers operator | login: anonymous | 403: rest",
    "GET readiness/schools/<int:pk>/": "ok: heads officer province_officer operator | 404: principal_b officer2 district_officer | login: anonymous | 403: rest",
    "GET readiness/schools/<int:pk>/declare/": "ok: heads | 404: principal_b | login: anonymous | 403: rest",
    "POST readiness/schools/<int:pk>/declare/": "ok: heads | 404: principal_b | login: anonymous | 403: rest",
    "GET supervision/": "ok: heads principal_b officers operator | login: anonymous | 403: rest",
    "GET supervision/visits/new/": "ok: officer officer2 province_officer | login: anonymous | 403: rest",
    "POST supervision/visits/new/": "ok: officer officer2 province_officer | login: anonymous | 403: rest",
    "GET supervision/visits/<int:pk>/": "ok: heads officer province_officer operator | 404: principal_b officer2 district_officer | login: anonymous | 403: rest",
    "GET supervision/visits/<int:pk>/correct/": "ok: officer province_officer | 404: officer2 | login: anonymous | 403: rest",
    "POST supervision/visits/<int:pk>/correct/": "ok: officer province_officer | 404: officer2 | login: anonymous | 403: rest",
    "GET supervision/follow-ups/<int:pk>/<str:move>/": "405: heads principal_b officer officer2 province_officer | login: anonymous | 403: rest",
    # marking done is the school heads'; an officer who reads the visit is refused by the action
    "POST supervision/follow-ups/<int:pk>/<str:move>/": "ok: heads | 404: principal_b officer2 | login: anonymous | 403: rest",
    "GET guides/": "ok: rest",
    "GET guides/mine/": "login: anonymous | ok: rest",
    "GET guides/<slug:role>/": "ok: rest",
    "GET guides/<slug:role>/pdf/": "ok: rest",
    # reporting (hocbaso/reporting/tests/test_pages.py): counts only, view_reports; teachers, clerks, families refused
    "GET reports/": "ok: heads principal_b officers operator | login: anonymous | 403: rest",
    "GET reports/units/<int:pk>/": "ok: officer province_officer operator | 404: heads principal_b officer2 district_officer | login: anonymous | 403: rest",
    "GET reports/units/<int:pk>/generate/": "405: heads principal_b officers operator | login: anonymous | 403: rest",
    "POST reports/units/<int:pk>/generate/": "ok: officer province_officer operator | 404: heads principal_b officer2 district_officer | login: anonymous | 403: rest",
    # the abolished district's officer reads school A's 2024-2025 (the default year for them), never 2025-2026
    "GET reports/schools/<int:pk>/": "ok: heads officer district_officer province_officer operator | 404: principal_b officer2 | login: anonymous | 403: rest",
    "GET reports/schools/<int:pk>/generate/": "405: heads principal_b officers operator | login: anonymous | 403: rest",
    "POST reports/schools/<int:pk>/generate/": "ok: heads officer district_officer province_officer operator | 404: principal_b officer2 | login: anonymous | 403: rest",
    "GET reports/classes/<int:pk>/": "ok: heads officer province_officer operator | 404: principal_b officer2 district_officer | login: anonymous | 403: rest",
    "GET reports/classes/<int:pk>/ [past]": "ok: heads officer district_officer province_officer operator | 404: principal_b officer2 | login: anonymous | 403: rest",
    # the unit's seal: registered by an officer of that very unit only (never one above or below, nor the operator)
    "GET reports/units/<int:pk>/seal/": "ok: officer | 404: heads principal_b officer2 district_officer province_officer operator | login: anonymous | 403: rest",
    "POST reports/units/<int:pk>/seal/": "ok: officer | 404: heads principal_b officer2 district_officer province_officer operator | login: anonymous | 403: rest",
    # readiness as counts (hocbaso/api/readiness.py): view_readiness, dated scope; teachers, clerks, families refused
    "GET /api/v1/reports/readiness/units": "ok: heads principal_b officers operator | login: anonymous | 403: rest",
    "GET /api/v1/reports/readiness/units/{unit_id}": "ok: heads officer province_officer operator | 404: principal_b officer2 district_officer | login: anonymous | 403: rest",
    "GET /api/v1/reports/readiness/schools/{school_id}": "ok: heads officer province_officer operator | 404: principal_b officer2 district_officer | login: anonymous | 403: rest",
    "GET reports/runs/<int:pk>/": "ok: officer province_officer operator | 404: heads principal_b officer2 district_officer | login: anonymous | 403: rest",
    "GET reports/runs/<int:pk>/<str:kind>/": "ok: officer province_officer operator | 404: heads principal_b officer2 district_officer | login: anonymous | 403: rest",
    "GET /api/v1/reports/units/{unit_id}": "ok: officer province_officer operator | 404: heads principal_b officer2 district_officer | login: anonymous | 403: rest",
    "GET /api/v1/reports/schools/{school_id}": "ok: heads officer district_officer province_officer operator | 404: principal_b officer2 | login: anonymous | 403: rest",
    "GET /api/v1/reports/classes/{class_id}": "ok: heads officer province_officer operator | 404: principal_b officer2 district_officer | login: anonymous | 403: rest",
}

# Request bodies (form fields, or the JSON object of an API operation) for rows whose view reads its
# input before deciding; ``{kind}`` is replaced by that object's value (see OBJECTS).
BODIES: dict[str, dict[str, Any]] = {
    "POST supervision/follow-ups/<int:pk>/<str:move>/": {"note": "Đã làm"},
    "PUT /api/v1/classes/{class_id}/assessments/{point}": {"cells": []},
    "POST /api/v1/signing/approvals/{approval_id}": {"pdf_signature": "", "xml_signature": ""},
    "POST schools/<int:school_pk>/entry-windows/": {"year": "{year}", "point": "mid1", "open": "1", "reason": "x"},
    # the transfer operations, with bodies that pass validation so the operation itself decides
    "POST /api/v1/transfers/": {
        "student_id": "{student}",
        "school_year": "{year_code}",
        "desired_date": "{today}",
        "reason": "Chuyển nhà",
        "requested_by_family": "Nguyễn Văn Ba",
        "to_school_id": "{school_b}",
    },
    "POST /api/v1/transfers/{transfer_id}/accept": {"class_id": "{class_b}"},
    "POST /api/v1/transfers/{transfer_id}/refuse": {"reason": "Hết chỗ"},
    "POST /api/v1/transfers/{transfer_id}/cancel": {"reason": "Gia đình đổi ý"},
    "POST /api/v1/transfers/{transfer_id}/decision": {"credential_id": "{principal_credential}", "authorisation": "x"},
    "POST /api/v1/transfers/{transfer_id}/bundle": {"credential_id": "{seal_a}", "authorisation": "x"},
    # multipart operations: a value of bytes is sent as a file
    "POST /api/v1/transfers/import": {
        "bundle": b"not a bundle",
        "school_id": "{school_b}",
        "credential_id": "{seal_b}",
        "authorisation": "x",
    },
    "POST /api/v1/transfers/trust": {"file": b"not a trust bundle", "name": "Sở khác"},
    "POST /api/v1/transfers/{transfer_id}/receipt": {"file": b"not a receipt"},
    "POST /api/v1/reports/ministry/submissions": {
        "department_id": "{department}",
        "school_year": "2025-2026",
        "authorisation": "x",
    },
    "POST paper-mode/": {"school": "{school}", "year": "{year}", "paper_mode": "1", "reason": "Thiếu thiết bị"},
    "POST reports/units/<int:pk>/generate/": {"year": "2025-2026", "point": "mid1"},
    "POST reports/schools/<int:pk>/generate/": {"year": "2025-2026", "point": "mid1"},
}
