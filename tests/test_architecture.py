"""The floors of the house hold: import-linter's contracts (pyproject.toml) are kept.

`make lint` runs the same check; here it fails `make test` too, so a lower floor that
starts importing a higher one cannot land.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is a test dependency (pip install -e '.[test]')"
    result = subprocess.run([lint_imports, "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_architecture_md_says_where_every_screen_lives():
    from tests.architecture_table import rows

    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    documented = {line for line in text.splitlines() if line.startswith("| `/")}
    expected = set(rows())
    assert not expected - documented, f"add to ARCHITECTURE.md: {sorted(expected - documented)}"
    assert not documented - expected, f"gone from the app: {sorted(documented - expected)}"


def _function_level_imports(path: Path) -> list[int]:
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("lms") \
                        or isinstance(inner, ast.Import) and any(
                            alias.name.startswith("lms") for alias in inner.names):
                    found.append(inner.lineno)
    return found


def test_imports_inside_functions_say_why():
    """The application factory and the CLI import lazily by design; elsewhere an import
    inside a function needs a comment on it or just above it saying why."""
    unexplained = []
    for path in sorted((ROOT / "lms").rglob("*.py")):
        if path.name in {"__init__.py", "cli.py"}:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for lineno in _function_level_imports(path):
            here, above = lines[lineno - 1], lines[lineno - 2] if lineno > 1 else ""
            if "#" not in here and not above.strip().startswith("#"):
                unexplained.append(f"{path.relative_to(ROOT)}:{lineno}")
    assert not unexplained, unexplained
