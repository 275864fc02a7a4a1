"""The desk sits on top (under config): nothing below it imports it; it reads the jobs only
through tasks.selectors; optional apps (sessions, approvals) are reached by the app registry."""

import ast
from pathlib import Path

import pytest
from django.conf import settings


def imports_of(package: str) -> set[tuple[str, str]]:
    """(file, module) for every absolute import in the package's modules."""
    found = set()
    for path in (Path(settings.BASE_DIR) / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {(str(path), alias.name) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add((str(path), node.module))
    return found


@pytest.mark.parametrize("package", ["core", "borrowers", "programmes", "loans", "tasks"])
def test_nothing_below_the_desk_imports_it(package):
    assert {(f, m) for f, m in imports_of(package) if m.split(".")[0] == "desk"} == set()


def test_the_desk_reads_the_jobs_through_their_selectors_only():
    tasks_modules = {m for _f, m in imports_of("desk") if m.split(".")[0] == "tasks"}
    assert tasks_modules == {"tasks.selectors"}
    assert not any(
        m.startswith(("loans.sessions", "loans.approvals")) for _f, m in imports_of("desk")
    )
