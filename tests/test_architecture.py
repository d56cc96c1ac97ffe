"""The layering of docs/architecture.md holds: imports run downward, private modules stay
private, and the light entry points (`hpdsl --version`, `import hpdsl.storage`) stay light.

The layers are read from the drawing in docs/architecture.md, so the document and the
check cannot drift apart.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from corpora import ROOT

import hpdsl

PACKAGE = ROOT / "hpdsl"
ARCHITECTURE = ROOT / "docs" / "architecture.md"

# Upward imports that are allowed, each with its reason: (importing module, imported module).
UPWARD_ALLOWED = {
    # `Space.suggest` is the documented alias of `hpdsl.convert.optuna_suggest`; it imports
    # the converter when called, never when `hpdsl.compile` is loaded.
    ("hpdsl.compile._space", "hpdsl.convert"),
}


def read_layers(text: str) -> list[list[str]]:
    """The module prefixes of each layer, bottom layer first, from the `## Layers` drawing."""
    section = text.split("## Layers", 1)[1]
    drawing = section.split("```", 2)[1]
    layers = [re.findall(r"\bhpdsl(?:\.\w+)*", line) for line in drawing.splitlines()]
    return [layer for layer in reversed(layers) if layer]


LAYERS = read_layers(ARCHITECTURE.read_text(encoding="utf-8"))


def layer_of(module: str) -> int:
    """The index of the layer that holds `module` (the longest prefix that names it)."""
    best, found = -1, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            # the package root holds only its own `__init__`, not everything under it
            matches = module == prefix or (prefix != "hpdsl" and module.startswith(prefix + "."))
            if matches and len(prefix) > best:
                best, found = len(prefix), index
    if found < 0:
        raise AssertionError(f"{module} is in no layer of docs/architecture.md")
    return found


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(source: str, module: str, is_package: bool) -> list[Import]:
    """Every import of an hpdsl module in `source`, at any depth, except those under
    `if TYPE_CHECKING:`. `from pkg import name` imports `pkg.name` when that is a module,
    and, for the package root, the module that `hpdsl._WHERE` says defines `name`."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend(Import(module, a.name, node.lineno) for a in node.names
                         if a.name.split(".")[0] == "hpdsl")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            if origin.split(".")[0] == "hpdsl":
                for alias in node.names:
                    found.append(Import(module, _target(origin, alias.name), node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return found


def _target(origin: str, name: str) -> str:
    if is_module(f"{origin}.{name}"):
        return f"{origin}.{name}"
    if origin == "hpdsl" and name in hpdsl._WHERE:
        return "hpdsl" + hpdsl._WHERE[name]
    return origin


def private_owner(target: str) -> str | None:
    """The package whose private module `target` is (`hpdsl.compile` for
    `hpdsl.compile._program`), or None for a public module."""
    parts = target.split(".")
    for i, part in enumerate(parts[1:], start=1):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:i])
    return None


def upward(imports: list[Import]) -> list[str]:
    """Imports of a module in a higher layer (but those in UPWARD_ALLOWED)."""
    out = []
    for imp in imports:
        allowed = any(imp.source == s and (imp.target == t or imp.target.startswith(t + "."))
                      for s, t in UPWARD_ALLOWED)
        if layer_of(imp.target) > layer_of(imp.source) and not allowed:
            out.append(f"{imp.source}:{imp.line} imports {imp.target}, a layer above it")
    return list(dict.fromkeys(out))


def private(imports: list[Import]) -> list[str]:
    """Imports of another package's private modules."""
    out = []
    for imp in imports:
        owner = private_owner(imp.target)
        if owner is not None and not (imp.source == owner
                                      or imp.source.startswith(owner + ".")):
            out.append(f"{imp.source}:{imp.line} imports {imp.target}, private to {owner}")
    return list(dict.fromkeys(out))


def all_imports() -> list[Import]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        out += imports_of(path.read_text(encoding="utf-8"), module_name(path),
                          path.name == "__init__.py")
    return out


def test_the_drawing_names_every_layer() -> None:
    assert len(LAYERS) == 8
    assert LAYERS[0] == ["hpdsl", "hpdsl.errors", "hpdsl.diagnostics", "hpdsl._lazy",
                         "hpdsl._files", "hpdsl._arguments"]
    assert LAYERS[-1] == ["hpdsl.cli", "hpdsl.__main__"]


def test_imports_run_downward() -> None:
    imports = all_imports()
    assert len(imports) > 200  # the walk found the package's imports
    assert upward(imports) == []


def test_no_module_imports_another_package_s_private_modules() -> None:
    assert private(all_imports()) == []


def test_every_module_is_in_a_layer() -> None:
    modules = [module_name(p) for p in PACKAGE.rglob("*.py")]
    assert len(modules) > 70
    for name in modules:
        layer_of(name)


def test_every_module_s_job_is_written_down() -> None:
    listed = set(re.findall(r"`([\w/]+\.py)`",
                            ARCHITECTURE.read_text(encoding="utf-8").split("## Modules", 1)[1]))
    modules = {str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")}
    assert sorted(modules - listed) == []  # add a line to "## Modules" in docs/architecture.md
    assert sorted(listed - modules) == []  # a module listed there no longer exists


@pytest.mark.parametrize(("module", "source", "expected"), [
    ("hpdsl.storage._base", "from ..search import TrialState\n",
     "hpdsl.storage._base:1 imports hpdsl.search, a layer above it"),
    ("hpdsl.compile._program", "def f():\n    from ..search import rand\n",
     "hpdsl.compile._program:2 imports hpdsl.search.rand, a layer above it"),
    ("hpdsl.convert._common", "from ..compile._program import Program\n",
     "hpdsl.convert._common:1 imports hpdsl.compile._program, private to hpdsl.compile"),
    ("hpdsl.cli._lint", "import hpdsl.search\n",
     None),
    ("hpdsl.search._base",
     "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..cli import main\n", None),
    ("hpdsl.syntax._parser", "from .. import loads\n",
     "hpdsl.syntax._parser:1 imports hpdsl._load, a layer above it"),
])
def test_the_check_finds_what_it_should(module: str, source: str, expected: str | None
                                        ) -> None:
    imports = imports_of(source, module, is_package=False)
    found = upward(imports) + private(imports)
    assert found == ([expected] if expected else [])


@pytest.mark.parametrize("package", ["hpdsl", "hpdsl.search"])
def test_a_package_s_names_are_one_list(package: str) -> None:
    """`_WHERE` (and `_MODULES`) is the list: `__all__` is made from it, and the
    TYPE_CHECKING imports that type checkers read name the same names from the same
    modules; every name resolves."""
    module = importlib.import_module(package)
    tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If) and _type_checking_only(n))
    typed: dict[str, str] = {}
    submodules: set[str] = set()
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        for alias in node.names:
            assert alias.asname == alias.name  # `x as x`: exported for strict type checkers
            if node.module is None:
                submodules.add(alias.name)
            else:
                typed[alias.name] = "." * node.level + node.module
    assert typed == module._WHERE
    assert submodules == set(getattr(module, "_MODULES", set()))
    extra = {"__version__"} if package == "hpdsl" else set()
    assert sorted(module.__all__) == sorted(set(typed) | submodules | extra)
    for name in module.__all__:
        getattr(module, name)


LIGHT = ("lark", "networkx", "numpy")


def loaded_modules(code: str) -> set[str]:
    """The modules loaded after running `code` in a fresh interpreter."""
    script = f"{code}\nimport sys\nprint('MODULES', *sorted(sys.modules), file=sys.stderr)"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    line = next(x for x in proc.stderr.splitlines() if x.startswith("MODULES "))
    return set(line.split()[1:])


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["explain", "HPS102"]])
def test_light_commands_load_no_heavy_library(argv: list[str]) -> None:
    loaded = loaded_modules(f"from hpdsl.cli import main\nstatus = main({argv!r})\n"
                            "assert status == 0, status")
    assert "hpdsl.cli" in loaded
    assert loaded.isdisjoint(LIGHT), sorted(loaded & set(LIGHT))


def test_storage_loads_neither_lark_nor_networkx() -> None:
    loaded = loaded_modules("import hpdsl.storage")
    assert "hpdsl.storage._sqlite" in loaded
    assert loaded.isdisjoint({"lark", "networkx", "hpdsl.compile"})


def test_a_command_loads_what_it_needs() -> None:
    """The check above can fail: a command that compiles a space does load lark."""
    examples = ROOT / "examples" / "classifier.hps"
    loaded = loaded_modules(f"from hpdsl.cli import main\nmain(['lint', {str(examples)!r}])")
    assert {"lark", "networkx", "numpy"} <= loaded
