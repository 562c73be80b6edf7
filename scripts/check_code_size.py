"""
Fails when product code grows past the style guide's limits: no module over 400 lines and no
function over 60 lines (migrations and tests excepted). `make check` runs it.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("portal", "accounts", "roles", "actions_api", "bench", "scripts")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def oversized(path: Path) -> list[str]:
    """What in `path` is over a limit, one line each (empty when nothing is)."""
    source = path.read_text()
    name = path.relative_to(ROOT)
    found = []
    lines = len(source.splitlines())
    if lines > MAX_MODULE_LINES:
        found.append(f"{name}: module of {lines} lines (limit {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(
                    f"{name}:{node.lineno}: function {node.name} of {length} lines (limit {MAX_FUNCTION_LINES})"
                )
    return found


def product_modules() -> list[Path]:
    return sorted(
        path for package in PACKAGES for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts
    )


def main() -> int:
    found = [problem for path in product_modules() for problem in oversized(path)]
    print("\n".join(found) or f"code size: {len(product_modules())} modules within the limits")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
