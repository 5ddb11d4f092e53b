"""The import graph of src/ragft: no circles (function-level imports count too: a circle hidden inside a
function is still a circle), and ceilings on what issue 25 wants gone, so they can only fall."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
# Ceilings as of this commit: imports live at module top; the few left inside functions keep FastAPI (ragft.server)
# out of every other command;
# a helper another module needs is public, never imported by its private name.
FUNCTION_LEVEL_IMPORTS = 5
PRIVATE_NAMES_IMPORTED = 0


def _modules() -> dict[str, Path]:
    out = {}
    for f in (SRC / "ragft").rglob("*.py"):
        name = ".".join(f.relative_to(SRC).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = f
    return out


def _packages(module: str, modules: dict[str, Path]) -> set[str]:
    """The packages importing `module` runs first: ragft.report for ragft.report.numbers (its __init__)."""
    parts = module.split(".")
    return {p for i in range(1, len(parts)) if (p := ".".join(parts[:i])) in modules}


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of imports under `if TYPE_CHECKING:`: they never run."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return out


def _in_functions(tree: ast.AST) -> set[int]:
    return {
        id(n)
        for f in ast.walk(tree)
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
        for n in ast.walk(f)
        if isinstance(n, (ast.Import, ast.ImportFrom))
    }


def graph():
    """({module: modules it imports}, function-level ragft imports, private names imported from another module)."""
    modules = _modules()
    edges = {m: set() for m in modules}
    inner, private = 0, []
    for m, path in modules.items():
        tree = ast.parse(path.read_text())
        skipped, functions = _type_checking_only(tree), _in_functions(tree)
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "ragft":
                inner += id(node) in functions
                for alias in node.names:
                    target = f"{node.module}.{alias.name}"
                    target = target if target in modules else node.module
                    if target in modules and target != m:
                        edges[m].add(target)
                    edges[m] |= _packages(target, modules) - {m}
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        private.append(f"{m} imports {node.module}.{alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in modules and alias.name != m:
                        edges[m].add(alias.name)
                        inner += id(node) in functions
    return edges, inner, private


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_no_import_circles():
    edges, _, _ = graph()
    assert circles(edges) == []


def test_the_circle_finder_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_function_level_and_private_imports_do_not_grow():
    _, inner, private = graph()
    assert inner <= FUNCTION_LEVEL_IMPORTS, f"{inner} function-level imports (ceiling {FUNCTION_LEVEL_IMPORTS})"
    assert len(private) <= PRIVATE_NAMES_IMPORTED, "\n".join(private)


def test_evaluate_decides_and_report_renders():
    """No module of evaluate/ writes a word of the report: only the two that run a whole experiment call the
    report's writers when it is done."""
    edges, _, _ = graph()
    orchestrators = {"ragft.evaluate.runner", "ragft.evaluate.repetitions"}
    wrong = [
        f"{m} imports {t}"
        for m, targets in edges.items()
        if m.startswith("ragft.evaluate.") and m not in orchestrators
        for t in targets
        if t.startswith("ragft.report")
    ]
    assert wrong == []
