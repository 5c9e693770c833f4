"""The command line's rule: cli.py holds the parser and main; every handler lives in archiver/commands/."""

from __future__ import annotations

import argparse
import ast

from archiver.cli import build_parser
from tests.conftest import ROOT


def _functions(path: str) -> set[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_cli_py_holds_only_the_parser_and_main() -> None:
    assert _functions("archiver/cli.py") <= {"build_parser", "main", "_run_handler"}


def _handlers(parser: argparse.ArgumentParser, path: str) -> dict[str, str]:
    """Command path -> the module of its handler, through nested sub-commands (`schedule run`)."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]  # noqa: SLF001
    if not subs:
        handler = parser.get_default("handler")
        assert handler is not None, path
        return {path: handler.__module__}
    found: dict[str, str] = {}
    for name, child in subs[0].choices.items():
        found |= _handlers(child, f"{path} {name}".strip())
    return found


def test_every_command_handler_lives_in_a_commands_module() -> None:
    modules = _handlers(build_parser(), "")
    assert len(modules) >= 14
    assert {p: m for p, m in modules.items() if not m.startswith("archiver.commands.")} == {}
