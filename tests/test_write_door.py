"""The write door: channels change state only through an app's ``actions``.

A *channel* is code a person, a client or a scheduler reaches: views (``views.py``,
``*_views.py``), API modules (``hocbaso/api/``, ``api.py``), tasks (``tasks.py``,
``*_tasks.py``), command-line entries (``management/commands/``, ``cli.py``).

A *state-changing function* is a top-level function of a hocbaso module that is not an
``actions`` module and that
  - is wrapped in ``transaction.atomic``, or
  - writes through the ORM (``….objects….create/update/delete/bulk_create/bulk_update/
    get_or_create/update_or_create``, an instance's ``.save()``/``.delete()`` without positional
    arguments), stores or deletes a file (``default_storage.save/delete``), enqueues a task
    (``.enqueue``), writes an audit event (``audit.record``) or schedules work on commit, or
  - calls such a function of its own module or of an ``actions`` module.

The test fails when a channel calls a state-changing function imported from anywhere but an
``actions`` module (``hocbaso.<app>.actions``, ``hocbaso.<app>.<part>.actions``, or
``<procedure>_actions`` beside ``<procedure>_models``/``_views``/``_tasks``). Calling a read-bookkeeping
function (``READS``) does not make its caller a writer. Calls between
channels (a command running a task's job in-process) are hand-offs, not writes: the callee is
checked as a channel itself. ``READS`` lists the only exceptions: functions whose one write is
bookkeeping of a read, each with its reason. ``hocbaso.demo`` is not a channel (it seeds
fixtures through the models, and nothing but its command reaches it).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "hocbaso"

ORM_WRITES = {"create", "update", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}

# Functions outside ``actions`` that a channel may call although they write: each write is the
# bookkeeping of a read, not a change a person asked for.
READS: dict[str, str] = {
    "hocbaso.accounts.tokens.user_for": "the API's authentication: stamps the token's last use",
    "hocbaso.accounts.signin.audit_attempt": "audits a sign-in attempt (a read of the login form)",
    "hocbaso.verification.registry.log": "logs a verification someone asked for (a read of a record)",
    "hocbaso.verification.registry.signed_tree_head": "publishes the tree head a verifier asks for (one per size)",
}

# Not channels: the demo seeds fixtures through the models (see the docstring).
NOT_CHECKED = ("hocbaso/demo/",)


def is_channel(path: Path) -> bool:
    rel = path.relative_to(ROOT).as_posix()
    if "/tests/" in rel or "/migrations/" in rel or rel.startswith(NOT_CHECKED):
        return False
    name = path.name
    return (
        name in {"views.py", "tasks.py", "api.py", "cli.py"}
        or name.endswith(("_views.py", "_tasks.py"))
        or "/management/commands/" in rel
        or rel.startswith("hocbaso/api/")
    )


def is_door(module: str) -> bool:
    """``actions``, or ``<procedure>_actions`` beside ``<procedure>_models/_views/_tasks``."""
    last = module.rsplit(".", 1)[-1]
    return last == "actions" or last.endswith("_actions")


def is_channel_module(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last in {"tasks", "views", "cli"} or last.endswith(("_tasks", "_views")) or ".management.commands." in module


def module_file(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.exists():
            return candidate
    return None


def _imports(tree: ast.Module) -> dict[str, tuple[str, str | None]]:
    """Local name → (module, attribute): ``attribute`` None when the name is a module."""
    names: dict[str, tuple[str, str | None]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hocbaso"):
            for alias in node.names:
                local = alias.asname or alias.name
                sub = f"{node.module}.{alias.name}"
                names[local] = (sub, None) if module_file(sub) else (node.module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("hocbaso") and alias.asname:
                    names[alias.asname] = (alias.name, None)
    return names


def _target(call: ast.Call, names: dict[str, tuple[str, str | None]]) -> tuple[str, str] | None:
    """The (module, function) a call reaches through an import, if any."""
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        found = names.get(func.value.id)
        if found and found[1] is None:
            return found[0], func.attr
    if isinstance(func, ast.Name):
        found = names.get(func.id)
        if found and found[1] is not None:
            return found[0], found[1]
    return None


def _writes_directly(function: ast.FunctionDef, names: dict[str, tuple[str, str | None]]) -> bool:
    if any("atomic" in ast.unparse(d) for d in function.decorator_list):
        return True
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute):
            receiver = ast.unparse(func.value)
            if func.attr in ORM_WRITES and ".objects" in receiver:
                return True
            if func.attr in {"save", "delete"} and not node.args and receiver != "default_storage":
                return True
            if receiver == "default_storage" and func.attr in {"save", "delete"}:
                return True
            if func.attr in {"enqueue", "on_commit"}:
                return True
        target = _target(node, names)
        if target and is_door(target[0]) and target[1] in writers(target[0]):
            return True
    return False


_IN_PROGRESS: set[str] = set()


@functools.cache
def writers(module: str) -> frozenset[str]:
    """The state-changing top-level functions of ``module`` (closed over calls inside it and
    over the writers of the ``actions`` modules it calls)."""
    path = module_file(module)
    if path is None or module in _IN_PROGRESS:
        return frozenset()
    _IN_PROGRESS.add(module)
    try:
        return _writers(module, path)
    finally:
        _IN_PROGRESS.discard(module)


def _writers(module: str, path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = _imports(tree)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    reads = {dotted.rsplit(".", 1)[1] for dotted in READS if dotted.rsplit(".", 1)[0] == module}
    found = {name for name, function in functions.items() if _writes_directly(function, names)} - reads
    changed = True
    while changed:
        changed = False
        for name, function in functions.items():
            if name in found or name in reads:
                continue
            called = {n.func.id for n in ast.walk(function) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
            if called & found:
                found.add(name)
                changed = True
    return frozenset(found)


def violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = _imports(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        target = _target(node, names)
        if target is None:
            continue
        module, function = target
        if is_door(module) or is_channel_module(module) or f"{module}.{function}" in READS:
            continue
        if function in writers(module):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} calls {module}.{function}")
    return found


CHANNELS = sorted(p for p in PACKAGE.rglob("*.py") if is_channel(p))


def test_channels_are_found() -> None:
    assert {"hocbaso/assessments/views.py", "hocbaso/api/assessments.py", "hocbaso/records/tasks.py"} <= {
        p.relative_to(ROOT).as_posix() for p in CHANNELS
    }


@pytest.mark.parametrize("path", CHANNELS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_channels_write_only_through_actions(path: Path) -> None:
    assert violations(path) == []


def test_the_check_sees_a_write_outside_actions(tmp_path: Path) -> None:
    """The detector itself: windows' reads pass, a write moved back out of actions would not."""
    assert "set_window" in writers("hocbaso.assessments.actions")
    assert writers("hocbaso.assessments.windows") == frozenset()
    assert {"compute_year_results", "decide_award"} <= writers("hocbaso.assessments.actions")
    assert "preview" not in writers("hocbaso.assessments.importing")
    assert "start_batch" in writers("hocbaso.records.digitising_actions")
    assert "enqueue_on_commit" in writers("hocbaso.core.queue")


def test_every_allowed_read_exists_and_writes() -> None:
    for dotted in READS:
        module, function = dotted.rsplit(".", 1)
        path = module_file(module)
        assert path is not None, dotted
        tree = ast.parse(path.read_text(encoding="utf-8"))
        [node] = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function]
        assert _writes_directly(node, _imports(tree)), f"{dotted} no longer writes: take it off READS"
