"""The arrows point down: loans (the reports with it) never imports tasks, and core imports no
app. Read from the source, so a lazy import inside a function counts too."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

APPS = ("config", "tasks", "loans", "programmes", "borrowers")


def imported_apps(package: str) -> set[tuple[str, str]]:
    """(file, app) for every import of a project app in the package's modules."""
    found = set()
    for path in (Path(settings.BASE_DIR) / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found |= {(str(path), name.split(".")[0]) for name in names}
    return {(path, app) for path, app in found if app in APPS}


@pytest.mark.parametrize(("package", "forbidden"), [("loans", {"tasks"}), ("core", set(APPS))])
def test_a_package_never_imports_the_apps_above_it(package, forbidden):
    assert {(path, app) for path, app in imported_apps(package) if app in forbidden} == set()
