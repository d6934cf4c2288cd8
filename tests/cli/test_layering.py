"""Where the CLIs stand among the layers: both use the application below them (kognicutil the SDK's
public names, the operator CLI the services), and neither imports the HTTP server."""

from __future__ import annotations

import ast
from pathlib import Path

import annobatch.cli

CLI = Path(annobatch.cli.__file__).parent
PACKAGE = sorted((CLI / "kognicutil").glob("*.py"))
KOGNICUTIL = [*(f"kognicutil/{p.name}" for p in PACKAGE), "_render.py", "_tables.py"]


def imported_modules(path: Path) -> set[str]:
    """Every module the source file at `path` imports from, by name (lazy imports included)."""
    tree = ast.parse(path.read_text())
    found = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_kognicutil_imports_nothing_of_annobatch_but_the_sdks_public_names_and_its_own_modules() -> None:
    own = {"annobatch.cli._render", "annobatch.cli._tables"}
    assert "kognicutil/_base.py" in KOGNICUTIL
    for name in KOGNICUTIL:
        imported = {m for m in imported_modules(CLI / name) if m.startswith("annobatch.")}
        # annobatch.model is the SDK's public model package (the official client's kognic.io.model)
        private = {
            m for m in imported - own if not m.startswith(("annobatch.cli.kognicutil", "annobatch.model"))
        }
        assert private == set(), name


def test_no_cli_module_imports_the_server_or_litestar() -> None:
    sources = sorted(CLI.rglob("*.py"))
    assert CLI / "operator" / "base.py" in sources
    for path in sources:
        imported = imported_modules(path)
        server = {m for m in imported if m.split(".")[0] == "litestar" or m.startswith("annobatch.server")}
        assert server == set(), path.relative_to(CLI)
