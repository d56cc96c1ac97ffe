"""hpdsl uses Lark through its public API only, and only in `hpdsl.syntax`.

A scan of the source (no import of it): imports from lark are its top-level public names;
attributes read from anything are never private ones (`x._name`) that hpdsl does not define
itself; and every attribute name that also names something inside lark is one of the public
ones listed here (`LARK_PUBLIC`; `hpdsl/syntax/_parser.py` lists the same in its docstring).
A Lark release that moves its internals cannot silently change how hpdsl parses.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import lark

ROOT = Path(__file__).resolve().parents[1]

# Lark's documented API that hpdsl uses: classes, methods, options are keyword arguments.
LARK_PUBLIC = {
    "Lark", "lex", "parse_interactive",  # lark.Lark
    "feed_token", "feed_eof", "choices", "accepts",  # lark's InteractiveParser
    "Tree", "data", "children",
    "Token", "type", "line", "column", "end_line", "end_column", "start_pos", "end_pos",
    "UnexpectedInput", "UnexpectedToken", "token", "expected", "interactive_parser",
    "UnexpectedCharacters", "pos_in_stream",
    "__version__",
}


def _names(paths: Iterable[Path]) -> tuple[set[str], set[str]]:
    """(every attribute name used, every name defined) in the source files."""
    used: set[str] = set()
    defined: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute):
                used.add(node.attr)
                if isinstance(node.ctx, ast.Store):
                    defined.add(node.attr)
            elif isinstance(node, ast.FunctionDef | ast.ClassDef):
                defined.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                defined.add(node.id)
    return used, defined


def _class_members(paths: Iterable[Path]) -> set[str]:
    """Attribute names hpdsl gives its own objects: class members and `self.x = ...`."""
    out: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.ClassDef):
                        out.add(item.name)
                    elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                        out.add(item.target.id)
                    elif isinstance(item, ast.Assign):
                        out.update(t.id for t in item.targets if isinstance(t, ast.Name))
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                out.add(node.attr)
    return out


def _root(node: ast.expr) -> ast.expr:
    """The start of an attribute chain: `a` in `a.b(c).d`."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


LARK_USED, LARK_DEFINED = _names(Path(lark.__file__).parent.rglob("*.py"))
LARK_NAMES = LARK_USED | LARK_DEFINED
BUILTIN_ATTRIBUTES = set().union(*(dir(t) for t in (str, list, dict, set, frozenset, tuple, int)))


def violations(source: str, own: set[str]) -> list[str]:
    """What in `source` reaches past Lark's public API (`own`: hpdsl's class members)."""
    tree = ast.parse(source)
    other_modules = set()  # names bound to modules other than lark: os, sys, hpdsl's ast, ...
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("lark."):
                    found.append(f"import {alias.name}")
                elif alias.name != "lark":
                    other_modules.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            if node.module == "lark":
                found += [f"from lark import {a.name}" for a in node.names
                          if a.name not in lark.__all__]
            elif (node.module or "").startswith("lark."):
                found.append(f"from {node.module} import ...")
            else:
                other_modules.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is None:  # from . import ast
            other_modules.update(a.asname or a.name for a in node.names)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        root = _root(node)
        if isinstance(root, ast.Name) and root.id in other_modules:
            continue
        name = node.attr
        private = name.startswith("_") and not name.startswith("__")
        if private and name not in own:
            found.append(f"._{name.lstrip('_')}")
        elif (name in LARK_NAMES and name not in LARK_PUBLIC and name not in own
              and name not in BUILTIN_ATTRIBUTES):
            found.append(f".{name}")
    return found


def test_the_syntax_package_uses_only_lark_public_names() -> None:
    own = _class_members((ROOT / "hpdsl").rglob("*.py"))
    for path in sorted((ROOT / "hpdsl" / "syntax").glob("*.py")):
        assert violations(path.read_text(encoding="utf-8"), own) == [], path.name


def test_no_module_outside_the_syntax_package_imports_lark() -> None:
    outside = [path for path in (ROOT / "hpdsl").rglob("*.py")
               if "syntax" not in path.relative_to(ROOT / "hpdsl").parts]
    assert len(outside) > 20
    for path in outside:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] != "lark" for a in node.names), path
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                assert (node.module or "").split(".")[0] != "lark", path


def test_the_scan_finds_what_the_old_parser_did() -> None:
    """Reaching into Lark's parse tables, lexer configuration and private members is found
    (these lines are the kind the parser used before it kept to the public API)."""
    old = "\n".join([
        "from lark.parsers.lalr_analysis import Shift",
        "import lark.lexer",
        "from lark import Lark, LexerConf",
        "table = lark.parser.parser.parser.parse_table",
        "start = table.start_states['start']",
        "pattern = conf.terminals[0].pattern.to_regexp()",
        "position = err.state.position",
        "tok = interactive._Token('$END', '')",
        "digest = hashlib.sha256(b'').hexdigest()",  # not lark's
        "accepted = err.interactive_parser.accepts()",  # public
    ])
    found = violations("import hashlib\n" + old, own=set())
    assert sorted(found) == sorted([
        "from lark.parsers.lalr_analysis import ...", "import lark.lexer",
        "from lark import LexerConf", ".parse_table", ".parser", ".parser", ".parser",
        ".start_states", ".to_regexp", ".pattern", ".terminals", ".position", ".state",
        "._Token",
    ])
