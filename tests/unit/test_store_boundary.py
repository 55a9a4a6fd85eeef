"""Only `chalicelib/store/` talks to DynamoDB, and `chalicelib` has no import
cycle among its modules' top-level imports.

Both are read from the source (AST), so the checks cost no AWS and import
nothing; each finder is also run on a small sample that must trip it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "chalicelib"
STORE = PACKAGE / "store"
# The client factory: it creates the client and never calls DynamoDB.
FACTORY = PACKAGE / "aws.py"


def dynamodb_calls(source: str) -> Iterator[int]:
    """Line numbers of calls that reach DynamoDB: `aws.dynamodb()` (or a
    `dynamodb()` imported from it) and `*client("dynamodb")`/`*resource("dynamodb")`."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "dynamodb":
            yield node.lineno
        first = node.args[0] if node.args else None
        named_service = isinstance(first, ast.Constant) and first.value == "dynamodb"
        if named_service and name.lower().endswith(("client", "resource")):
            yield node.lineno


def sources_outside_the_store() -> Iterator[Path]:
    yield ROOT / "app.py"
    for path in sorted(PACKAGE.rglob("*.py")):
        if STORE not in path.parents and path != FACTORY:
            yield path


def test_the_finder_sees_every_way_to_call_dynamodb() -> None:
    sample = "\n".join(
        [
            "from chalicelib import aws",
            "aws.dynamodb().get_item(TableName='t', Key={})",
            "import boto3",
            "boto3.client('dynamodb')",
            "boto3.session.Session().resource('dynamodb')",
            "boto3.client('dynamodbstreams')",  # another service: fine
            "aws.sqs().send_message(QueueUrl='q', MessageBody='b')",
        ]
    )
    assert sorted(dynamodb_calls(sample)) == [2, 4, 5]


def test_only_the_store_calls_dynamodb() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sources_outside_the_store()
        for line in dynamodb_calls(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "DynamoDB calls belong in chalicelib/store/: " + ", ".join(offenders)


# --- import cycles --------------------------------------------------------------------


def module_names(package: Path) -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for path in package.rglob("*.py"):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def top_level_imports(module: str, source: str, known: set[str]) -> set[str]:
    """The known modules `module` imports when it is imported: statements at
    module level (also inside `if`/`try`), not in functions, not under
    `if TYPE_CHECKING`. Importing `a.b.c` also imports `a.b`; that parent is
    not counted when it is a parent of `module` itself (it runs first anyway)."""
    found: set[str] = set()

    def add(target: str) -> None:
        parts = target.split(".")
        for end in range(1, len(parts) + 1):
            name = ".".join(parts[:end])
            implicit = name != target
            if name in known and not (implicit and module.startswith(name + ".")):
                found.add(name)

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
                continue
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(alias.name)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                submodules = [f"{node.module}.{a.name}" for a in node.names]
                named = [name for name in submodules if name in known]
                for name in named:
                    add(name)
                if len(named) < len(node.names):
                    add(node.module)  # a name defined in the module itself
            elif isinstance(node, ast.If | ast.Try | ast.With):
                for block in ("body", "orelse", "finalbody"):
                    visit(getattr(node, block, []))
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)

    visit(ast.parse(source).body)
    found.discard(module)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_sees_a_cycle_and_ignores_lazy_imports() -> None:
    known = {"pkg", "pkg.a", "pkg.b", "pkg.c"}
    sources = {
        "pkg": "from pkg.a import thing\n",
        "pkg.a": "from pkg.b import other\n",
        "pkg.b": "import pkg.a\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from pkg.c import seen_by_mypy_only\n",
        "pkg.c": "def late():\n    from pkg.a import thing\n",
    }
    graph = {name: top_level_imports(name, text, known) for name, text in sources.items()}
    assert graph["pkg.b"] == {"pkg.a"}  # `pkg` is pkg.b's own parent: not counted
    assert graph["pkg.c"] == set()
    assert cycles(graph) == [["pkg.a", "pkg.b"]]


def test_chalicelib_has_no_import_cycle() -> None:
    modules = module_names(PACKAGE)
    graph = {
        name: top_level_imports(name, path.read_text(encoding="utf-8"), set(modules))
        for name, path in modules.items()
    }
    assert graph["chalicelib.predictions"] >= {"chalicelib.store", "chalicelib.store.stats"}
    assert cycles(graph) == []
