"""The stable error codes: API clients switch on them, and the code promises never to change one.

``tests/error_codes.txt`` is the checked-in list: every ``code`` a ``DomainError`` (or a subclass)
carries in the application — as a class attribute or as ``code="…"`` where one is raised, and
the refusal codes of the transition tables — and every reason code of the verification core
(``verification.core.MESSAGES``). The test fails when a listed code disappears (renamed or
removed: clients would break) and when a new one is not listed yet (add it, sorted, so the list
stays the whole contract). Found by reading the source, so it holds wherever the code moves.
"""

from __future__ import annotations

import ast
from pathlib import Path

from hocbaso.verification import core

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = Path(__file__).with_name("error_codes.txt")
BASE_ERRORS = {
    "DomainError",
    "ValidationFailed",
    "PermissionRefused",
    "NotFound",
    "Conflict",
    "InvalidInput",
    "IllegalTransition",
}


def _trees() -> list[ast.Module]:
    return [
        ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted((ROOT / "hocbaso").rglob("*.py"))
        if "/tests/" not in path.as_posix() and "/migrations/" not in path.as_posix()
    ]


def _name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def domain_codes() -> set[str]:
    trees = _trees()
    classes = [n for tree in trees for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    errors = set(BASE_ERRORS)
    grown = True
    while grown:  # subclasses of subclasses, across modules
        grown = False
        for cls in classes:
            if cls.name not in errors and any(_name(base) in errors for base in cls.bases):
                errors.add(cls.name)
                grown = True
    found: set[object] = set()
    for cls in classes:
        if cls.name in errors:
            for statement in cls.body:
                if (
                    isinstance(statement, ast.Assign)
                    and any(_name(t) == "code" for t in statement.targets)
                    and isinstance(statement.value, ast.Constant)
                ):
                    found.add(statement.value.value)
                if (
                    isinstance(statement, ast.AnnAssign)
                    and _name(statement.target) == "code"
                    and isinstance(statement.value, ast.Constant)
                ):
                    found.add(statement.value.value)
    for tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            callee = _name(node.func)
            if callee in errors or (callee == "of" and _name(getattr(node.func, "value", node.func)) == "Transitions"):
                for keyword in node.keywords:
                    if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                        found.add(keyword.value.value)
    return {code for code in found if isinstance(code, str)}


def current() -> list[str]:
    return sorted({f"api {code}" for code in domain_codes()} | {f"verification {code}" for code in core.MESSAGES})


def listed() -> list[str]:
    lines = SNAPSHOT.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def test_the_list_is_sorted_and_without_repeats() -> None:
    assert listed() == sorted(set(listed()))


def test_no_published_code_disappears() -> None:
    gone = sorted(set(listed()) - set(current()))
    assert gone == [], f"codes are promised never to change; these are gone: {gone}"


def test_every_code_is_listed() -> None:
    new = sorted(set(current()) - set(listed()))
    assert new == [], f"add the new codes to {SNAPSHOT.name}: {new}"


def test_the_list_holds_the_codes_clients_know() -> None:
    assert {"api forbidden", "api window_closed", "api transfer_state", "verification cannot_determine"} <= set(
        listed()
    )
