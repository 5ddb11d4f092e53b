"""How many hand-written rules the RAG code holds: regular expressions and word-list entries, per module.

Rules grown on one data set's shapes do not carry to other text (issue 24); a general mechanism should
replace them, so this count is reported before and after each change to rag/ (fewer is better).

    python -m bench.rule_count [--path src/ragft/rag]

A regex is a `re.compile(...)` call; a word list is a module- or class-level collection of three or more
string constants (a set, tuple, list or `"a b c".split()`), counted by entries; dict keys count too.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "ragft" / "rag"


def _strings(node: ast.AST) -> int:
    """Entries of a word list written as a literal, `"a b".split()`, or frozenset/set/tuple of either."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "split"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
    ):
        return len(node.func.value.value.split())
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("frozenset", "set", "tuple")
        and node.args
    ):
        return _strings(node.args[0])
    if isinstance(node, ast.BinOp):  # STOPWORDS | {...}, a + b
        return _strings(node.left) + _strings(node.right)
    if isinstance(node, (ast.Set, ast.Tuple, ast.List)):
        found = [e for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        return len(found) if len(found) >= 3 and len(found) == len(node.elts) else 0
    if isinstance(node, ast.Dict):
        keys = [k for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
        return len(keys) if len(keys) >= 3 else 0
    return 0


# Settings, not rules: the prompt texts and their template fields, the config sections (moved into rag/ from
# config.py, where the count never looked).
CONFIGURATION = {"prompts.py", "config.py"}


def count(path: Path) -> dict[str, dict[str, int]]:
    """{module: {"regexes": n, "word_entries": n}} for every .py file under `path`."""
    out = {}
    for file in sorted(path.rglob("*.py")):
        if file.name in CONFIGURATION:
            continue
        tree = ast.parse(file.read_text(encoding="utf-8"))
        regexes = sum(
            isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and n.func.attr == "compile"
            and isinstance(n.func.value, ast.Name)
            and n.func.value.id == "re"
            for n in ast.walk(tree)
        )
        scopes = [tree] + [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
        entries = sum(
            _strings(stmt.value)
            for scope in scopes
            for stmt in scope.body
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None
        )
        if regexes or entries:
            out[file.name] = {"regexes": regexes, "word_entries": entries}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=ROOT)
    args = parser.parse_args()
    found = count(args.path)
    for name, n in found.items():
        print(f"{name:24} {n['regexes']:4} regexes {n['word_entries']:5} word-list entries")
    print(
        f"{'total':24} {sum(n['regexes'] for n in found.values()):4} regexes "
        f"{sum(n['word_entries'] for n in found.values()):5} word-list entries"
    )


if __name__ == "__main__":
    main()
