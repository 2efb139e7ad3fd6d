"""The dependency rule of docs/architecture.md, checked on every import statement."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from firmware_tools.portable import ROOT

OURS = {"protocols", "edge", "hub", "sim", "firmware_tools", "vratnik"}

# package (or sub-package) -> our top-level packages it may import
ALLOWED: dict[str, set[str]] = {
    "protocols": {"protocols"},
    "edge": {"protocols", "edge"},
    "hub": {"protocols", "hub"},
    "sim": {"protocols", "edge", "hub", "sim", "firmware_tools"},
    "firmware_tools": {"protocols", "edge", "firmware_tools"},
}

# portable folders may import only portable modules
PORTABLE_ALLOWED = ("protocols.portable", "edge.core")


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_follow_the_rule(package: str) -> None:
    bad = []
    for path in _sources(package):
        for line, module in _imports(path):
            top = module.split(".")[0]
            if top in OURS and top not in ALLOWED[package]:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("folder", ["protocols/portable", "edge/core"])
def test_portable_code_imports_only_portable_code(folder: str) -> None:
    bad = []
    for path in sorted((ROOT / folder).glob("*.py")):
        for line, module in _imports(path):
            top = module.split(".")[0]
            if top in OURS and not module.startswith(PORTABLE_ALLOWED):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not bad, "\n".join(bad)
