"""The layering rule of `archiver/`, enforced on its import graph (read with `ast`, every import, lazy ones too).

From the bottom up:
  base        errors, bounded, filemode, identifiers, urls, ... : import nothing above them
  formats     store, warc, extraction, catalog, datasets        : never import the crawl, operations or the CLI
  crawl       crawl/{capture,discovery,politeness,archive}      : the crawl's components; never the run, the
              crawl/options                                       distributed crawl, operations or the CLI
              crawl/run                                         : composes one crawl (may start a distributed one)
  distributed archiver/distributed                              : builds on the crawl; never operations or the CLI
  ops         archiver/ops                                      : never the CLI
  cli         cli, commands, scrapy_commands                    : the top; nothing imports them
And no module imports itself back through any chain of imports (no circles). Imports under `if TYPE_CHECKING:`
name types only and never run, so they are not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "archiver"

CLI = ("archiver.cli", "archiver.commands", "archiver.scrapy_commands")
FORMATS = ("archiver.store", "archiver.warc", "archiver.extraction", "archiver.catalog", "archiver.datasets")
COMPONENTS = (
    "archiver.crawl.capture",
    "archiver.crawl.discovery",
    "archiver.crawl.politeness",
    "archiver.crawl.archive",
    "archiver.crawl.options",
    "archiver.crawl.outcome",
)
# (who, must not import)
FORBIDDEN: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (FORMATS, ("archiver.crawl", "archiver.distributed", "archiver.ops", *CLI)),
    (COMPONENTS, ("archiver.crawl.run", "archiver.distributed", "archiver.ops", *CLI)),
    (("archiver.crawl",), ("archiver.ops", *CLI)),
    (("archiver.distributed",), ("archiver.ops", *CLI)),
    (("archiver.ops",), CLI),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, name: str) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return found


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:`."""
    nodes: list[ast.AST] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        nodes.append(node)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))
    return nodes


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in imports_of(path, name) if m in paths and m != name} for name, path in paths.items()}


def within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_is_read() -> None:
    graph = import_graph()
    assert "archiver.crawl.run.runner" in graph["archiver.cli"] or any(
        "archiver.crawl.run.runner" in graph[m] for m in graph if m.startswith("archiver.commands")
    )
    assert "archiver.crawl.options" in graph["archiver.distributed.join"]


def test_no_import_circles() -> None:
    assert circles(import_graph()) == []


def test_no_import_runs_back_up() -> None:
    graph = import_graph()
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        for target in targets
        for who, banned in FORBIDDEN
        if within(module, who) and within(target, banned)
    )
    assert wrong == []


def test_the_checks_catch_a_circle_and_a_backward_import() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    assert within("archiver.crawl.archive.spool", COMPONENTS) and not within("archiver.crawlx", ("archiver.crawl",))
