"""The layers stay as README.md's Layout describes them: the import-linter contracts in pyproject.toml
(models ↛ services, services ↛ blueprints, no route module imports another blueprint's routes, no
cycle among the services), and services that never reach for the request or render pages."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# import-linter forbids whole packages only (`flask`, not `flask.request`), and the services need
# `flask.current_app` for their configuration: these names are checked here instead.
WEB_ONLY = {"render_template", "render_template_string", "request", "url_for"}


def test_import_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_services_import_nothing_of_the_request_or_the_pages():
    found = []
    for path in sorted((ROOT / "app" / "services").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "flask":
                found += [f"{path.name}: {alias.name}" for alias in node.names if alias.name in WEB_ONLY]
            elif isinstance(node, ast.Attribute) and node.attr in WEB_ONLY and \
                    isinstance(node.value, ast.Name) and node.value.id == "flask":
                found.append(f"{path.name}: flask.{node.attr}")
    assert found == []
