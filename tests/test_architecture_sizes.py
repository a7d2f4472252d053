"""No function in app/ runs over MAX_LINES: a longer one is split into named steps that read top-down."""
import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
MAX_LINES = 80


def long_functions(root: Path = APP, limit: int = MAX_LINES) -> list[str]:
    """"path:line name (n lines)" for every function or method, nested ones too, longer than `limit`."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > limit:
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_in_app_runs_over_80_lines():
    assert long_functions() == []


def test_a_long_function_is_named(tmp_path):
    body = "\n".join(f"    x = {n}" for n in range(MAX_LINES))
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "long.py").write_text(f"def short():\n    pass\n\n\ndef too_long():\n{body}\n")
    assert long_functions(tmp_path / "app") == ["app/long.py:5 too_long (81 lines)"]
