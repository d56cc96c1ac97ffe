"""Pass 1: walk the AST (following includes, unrolling loops) into raw declarations.

Nothing is resolved yet; each raw declaration keeps the scope (stage path and
loop bindings) its expressions must be resolved in, so that declaration order
never matters.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .._arguments import binary_problem
from .._files import NotARegularFile, read_regular
from ..diagnostics import Diagnostic, Span
from ..syntax import ast, parse
from ._static import StaticError, static_value
from .ir import LoopInfo

MAX_LOOP_ITEMS = 10_000
MAX_DECLARATIONS = 100_000
MAX_INCLUDE_DEPTH = 128
# The text a space amounts to once every include is expanded (a file included n times,
# or inside a loop of n items, counts n times): includes cannot make a space larger
# than one file may be.
MAX_EXPANDED_CHARS = 4 * 1024 * 1024
_READ_LIMIT = 64 * 1024 * 1024  # the parser refuses files above its own, smaller limit


@dataclass(frozen=True, slots=True)
class Scope:
    stage: tuple[str, ...]
    loop: tuple[tuple[str, int, int], ...]  # (variable, item, first item), innermost last

    def bindings(self) -> dict[str, int]:
        return {var: item for var, item, _ in self.loop}

    def start_of(self, var: str) -> int:
        return next(start for v, _, start in self.loop if v == var)


@dataclass(frozen=True, slots=True)
class RawCond:
    expr: ast.Expr
    negated: bool
    scope: Scope


@dataclass(frozen=True, slots=True)
class LoopCond:
    """Loop item k is active when `stop >= k` (stop resolved in `scope`)."""

    stop: ast.Expr
    item: int
    scope: Scope


@dataclass(slots=True)
class RawDecl:
    name: str
    path: tuple[str | int, ...]
    stmt: ast.Sample | ast.Assign
    scope: Scope
    conds: tuple[RawCond | LoopCond, ...]
    branch: int | None


@dataclass(slots=True)
class RawConstraint:
    stmt: ast.Constraint
    scope: Scope
    conds: tuple[RawCond | LoopCond, ...]


@dataclass(slots=True)
class RawBranch:
    span: Span
    conds: tuple[RawCond | LoopCond, ...]
    parent: int | None
    arm: tuple[int, int] | None = None  # (which `if`, which of its branches)


@dataclass(slots=True)
class _PendingLoop:
    stmt: ast.For
    scope: Scope
    conds: tuple[RawCond | LoopCond, ...]
    branch: int | None


@dataclass
class Collected:
    decls: list[RawDecl] = field(default_factory=list)
    constraints: list[RawConstraint] = field(default_factory=list)
    branches: list[RawBranch] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    list_bases: set[str] = field(default_factory=set)
    loops: list[LoopInfo] = field(default_factory=list)


def read_source(path: str, name: str | None = None) -> tuple[str | None, Diagnostic | None]:
    """Read a space file as UTF-8, turning every failure into a diagnostic (located in
    the file, which is called `name` in messages: by default, its path)."""
    shown = path if name is None else name
    span = Span.point(shown, 1, 1)
    try:
        data = read_regular(path, _READ_LIMIT)
    except NotARegularFile as err:
        return None, Diagnostic("HPS002", f"`{shown}` is {err.kind}, not a space file", span,
                                help="space files are regular files: a pipe, a device or a "
                                "socket is never read")
    except ValueError:  # os functions refuse NUL bytes in paths
        escaped = shown.replace("\x00", "\\x00")
        return None, Diagnostic("HPS002", f"cannot read `{escaped}`: a path cannot contain a "
                                "NUL byte", Span.point(escaped, 1, 1))
    except OSError as err:
        return None, Diagnostic("HPS002", f"cannot read `{shown}`: {err.strerror or err}", span)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        prefix = data[: err.start].decode("utf-8", errors="replace")
        line = prefix.count("\n") + 1
        col = len(prefix) - (prefix.rfind("\n") + 1) + 1
        bad = Span.point(shown, line, col, err.start)
        return None, Diagnostic("HPS002", f"not UTF-8 text: invalid byte 0x{data[err.start]:02x} "
                                f"at offset {err.start}", bad,
                                help="space files must be UTF-8 encoded text")
    problem = binary_problem(text, shown)
    if problem is not None:
        return None, problem
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, None


class Collector:
    """Walks a module. Includes are read from disk, relative to the including file, or,
    when `recorded` is given (a stored study's texts, by their path relative to the
    space), looked up there only: the filesystem is then never touched."""

    def __init__(self, base_dir: str, recorded: Mapping[str, str] | None = None) -> None:
        self.out = Collected()
        self.base_dir = base_dir
        self.recorded = recorded
        self.include_stack: list[str] = []
        self.pending: list[_PendingLoop] = []
        self.too_many = False
        self.expanded = 0  # characters of text walked so far, includes counted each time
        self.too_large = False
        self.ifs = 0  # `if` statements walked (each loop item walks its own)
        self.read: dict[str, tuple[str | None, ast.Module | None, list[Diagnostic]]] = {}
        self.real: dict[str, str] = {}  # realpath of each joined include path

    # --- entry points
    def module(self, module: ast.Module, text: str, real_path: str | None) -> Collected:
        self.out.sources[module.path] = text
        self.expanded = len(text)
        if real_path is not None:
            self.include_stack.append(os.path.realpath(real_path))
        elif self.recorded is not None:
            self.include_stack.append(module.path)
        self.block(module.body, Scope((), ()), (), None, module.path)
        self._unroll_pending()
        return self.out

    @property
    def over_limit(self) -> bool:
        """Whether a limit on the whole space (declarations, expanded text) stopped the walk."""
        return self.too_many or self.too_large

    def report(self, code: str, message: str, span: Span, *, label: str | None = None,
               help: str | None = None) -> None:
        """Record a diagnostic (repeats from loop items are dropped by `analyse`)."""
        self.out.diagnostics.append(Diagnostic(code, message, span, label=label, help=help))

    # --- statements
    def block(self, body: tuple[ast.Stmt, ...], scope: Scope,
              conds: tuple[RawCond | LoopCond, ...], branch: int | None, file: str) -> None:
        for stmt in body:
            self.stmt(stmt, scope, conds, branch, file)

    def stmt(self, stmt: ast.Stmt, scope: Scope, conds: tuple[RawCond | LoopCond, ...],
             branch: int | None, file: str) -> None:
        if isinstance(stmt, ast.Sample | ast.Assign):
            self.declare(stmt, scope, conds, branch)
        elif isinstance(stmt, ast.If):
            self.if_(stmt, scope, conds, branch, file)
        elif isinstance(stmt, ast.Stage):
            inner = Scope((*scope.stage, stmt.name), scope.loop)
            self.block(stmt.body, inner, conds, branch, file)
        elif isinstance(stmt, ast.For):
            self.pending.append(_PendingLoop(stmt, scope, conds, branch))
        elif isinstance(stmt, ast.Constraint):
            if self._room(stmt):
                self.out.constraints.append(RawConstraint(stmt, scope, conds))
        elif isinstance(stmt, ast.Include):
            self.include(stmt, scope, conds, branch, file)

    def _room(self, stmt: ast.Stmt) -> bool:
        """Whether one more declaration or constraint is within MAX_DECLARATIONS (counted
        together: each is checked, and a constraint costs as much as a declaration)."""
        if len(self.out.decls) + len(self.out.constraints) < MAX_DECLARATIONS:
            return True
        if not self.too_many:
            self.too_many = True
            self.report("HPS003", f"more than {MAX_DECLARATIONS} declarations and constraints",
                        stmt.span, help="this limit counts every loop item and every "
                        "expansion of an included file")
        return False

    def declare(self, stmt: ast.Sample | ast.Assign, scope: Scope,
                conds: tuple[RawCond | LoopCond, ...], branch: int | None) -> None:
        if not self._room(stmt):
            return
        target = stmt.target
        bindings = scope.bindings()
        if target.index is None:
            if scope.loop:
                var = scope.loop[-1][0]
                self.report("HPS114", f"`{target.name}` is declared inside a loop without an index",
                           target.span, label="would be declared once per item",
                           help=f"declare one item per iteration: `{target.name}[{var}]`")
                return
            name = ".".join((*scope.stage, target.name))
            path: tuple[str | int, ...] = (*scope.stage, target.name)
        else:
            if target.index not in bindings:
                where = "outside a loop" if not bindings else f"with unknown index `{target.index}`"
                self.report("HPS114", f"`{target.name}[{target.index}]` is declared {where}",
                           target.span,
                           help="indexed names are declared inside `for i in a..b { ... }`")
                return
            item = bindings[target.index]
            start = scope.start_of(target.index)
            base = ".".join((*scope.stage, target.name))
            self.out.list_bases.add(base)
            name = f"{base}[{item}]"
            path = (*scope.stage, target.name, item - start)
        self.out.decls.append(RawDecl(name, path, stmt, scope, conds, branch))

    def if_(self, stmt: ast.If, scope: Scope, conds: tuple[RawCond | LoopCond, ...],
            branch: int | None, file: str) -> None:
        not_earlier: list[RawCond] = []  # negations of the earlier, non-constant branches
        which = self.ifs
        self.ifs += 1
        for arm, br in enumerate(stmt.branches):
            static = self._static_condition(br.condition, scope)
            if static is False:
                continue  # `if i > 1` on loop item 1: nothing to declare
            mine = (*conds, *not_earlier)
            if static is None:
                mine = (*mine, RawCond(br.condition, False, scope))
            idx = self._branch(br.span, mine, branch, (which, arm))
            self.block(br.body, scope, mine, idx, file)
            if static is True:
                return  # later branches can never be taken
            not_earlier.append(RawCond(br.condition, True, scope))
        if stmt.orelse is not None:
            mine = (*conds, *not_earlier)
            idx = self._branch(stmt.span, mine, branch, (which, len(stmt.branches)))
            self.block(stmt.orelse, scope, mine, idx, file)

    def _branch(self, span: Span, conds: tuple[RawCond | LoopCond, ...],
                parent: int | None, arm: tuple[int, int] | None = None) -> int:
        self.out.branches.append(RawBranch(span, conds, parent, arm))
        return len(self.out.branches) - 1

    def _static_condition(self, expr: ast.Expr, scope: Scope) -> bool | None:
        """Fold conditions over loop variables only (`if i > 1`); None if not static."""
        if not scope.loop:
            return None
        try:
            value = static_value(expr, scope.bindings())
        except StaticError:
            return None
        return bool(value)

    def include(self, stmt: ast.Include, scope: Scope, conds: tuple[RawCond | LoopCond, ...],
                branch: int | None, file: str) -> None:
        if self.too_large:
            return
        if not stmt.path.endswith(".hps"):
            self.report("HPS401", f"`{stmt.path}` is not a space file", stmt.span,
                       help="only `.hps` files can be included")
            return
        if len(self.include_stack) >= MAX_INCLUDE_DEPTH:
            self.report("HPS003", f"includes nested deeper than {MAX_INCLUDE_DEPTH} files",
                       stmt.span)
            return
        shown_dir = os.path.dirname(file) if file not in ("<string>",) else ""
        shown = os.path.normpath(os.path.join(shown_dir, stmt.path))
        if self.recorded is not None:
            ident = shown
        else:
            includer_dir = (os.path.dirname(self.include_stack[-1]) if self.include_stack
                            else self.base_dir)
            if "\x00" in includer_dir:  # only `base_dir` can bring one: files cannot hold NUL
                self.report("HPS401", f"cannot include `{stmt.path}`: the folder it is relative "
                            f"to, {includer_dir!r}, contains a NUL byte", stmt.span)
                return
            joined = os.path.join(includer_dir, stmt.path)
            if joined not in self.real:
                self.real[joined] = os.path.realpath(joined)
            ident = self.real[joined]
        if ident in self.include_stack:
            chain = [Path(p).name for p in self.include_stack[self.include_stack.index(ident):]]
            chain.append(Path(ident).name)
            self.report("HPS402", f"include cycle: {' -> '.join(chain)}", stmt.span,
                       label="includes a file that is already being included")
            return
        if ident not in self.read:
            self.read[ident] = self._read_include(stmt, ident, shown)
        text, module, diags = self.read[ident]
        self.out.diagnostics.extend(diags)
        if text is None or module is None:
            return
        self.expanded += len(text)
        if self.expanded > MAX_EXPANDED_CHARS:
            self.too_large = True
            chain = [Path(p).name for p in self.include_stack] + [Path(ident).name]
            self.report("HPS003", f"includes expand the space to more than "
                       f"{MAX_EXPANDED_CHARS // (1024 * 1024)} MiB of text", stmt.span,
                       label=f"reached through {' -> '.join(chain)}",
                       help="every include counts each time it is expanded (in every loop "
                       "item too); include a file once, outside loops and branches")
            return
        self.include_stack.append(ident)
        try:
            self.block(module.body, scope, conds, branch, shown)
        finally:
            self.include_stack.pop()

    def _read_include(self, stmt: ast.Include, ident: str, shown: str
                      ) -> tuple[str | None, ast.Module | None, list[Diagnostic]]:
        """The text, module and diagnostics of an included file (read and parsed once,
        however often it is included)."""
        if self.recorded is not None:
            text = self.recorded.get(ident)
            if text is None:
                return None, None, [Diagnostic(
                    "HPS401", f"cannot include `{stmt.path}`: its text is not recorded",
                    stmt.span, help=f"the recorded space holds {_listed(self.recorded)}")]
        else:
            text, problem = read_source(ident, shown)
            if problem is not None and problem.message.startswith("cannot read"):
                message = (f"cannot include `{stmt.path}`: no such file"
                           if not os.path.exists(ident) else problem.message)
                return None, None, [Diagnostic(
                    "HPS401", message, stmt.span, help="the path is relative to the "
                    f"including file: looked for {shown}")]
            if problem is not None and problem.message.endswith("not a space file"):
                # a pipe or a device: the include statement is what to change
                return None, None, [Diagnostic(problem.code, problem.message, stmt.span,
                                               help=problem.help)]
            if problem is not None:
                return None, None, [problem]
        assert text is not None
        module, diags = parse(text, shown)
        self.out.sources[shown] = text
        return text, module, diags if module is None else []

    # --- loops
    def _unroll_pending(self) -> None:
        while self.pending:
            loop = self.pending.pop(0)
            self._unroll(loop, {d.name: d for d in self.out.decls})

    def _unroll(self, loop: _PendingLoop, known: dict[str, RawDecl]) -> None:
        stmt, scope = loop.stmt, loop.scope
        if scope.loop:
            self.report("HPS113", "a loop inside a loop is not supported", stmt.span,
                       label="loop items have a single index",
                       help="unroll the inner loop by hand, or use a stage per outer item")
            return
        try:
            start = static_value(stmt.start, {})
        except StaticError:
            self.report("HPS113", "the loop must start at an integer constant",
                       _span_of(stmt.start), help="for example `for i in 1..n_layers`")
            return
        if not isinstance(start, int) or isinstance(start, bool):
            self.report("HPS113", "the loop must start at an integer constant",
                       _span_of(stmt.start))
            return
        stop_cond = True
        try:
            stop = static_value(stmt.stop, {})
            stop_cond = False
            if not isinstance(stop, int) or isinstance(stop, bool):
                self.report("HPS113", "the loop must end at an integer", _span_of(stmt.stop))
                return
            lo_stop, hi_stop = stop, stop
        except StaticError:
            bound = self._bound_range(stmt.stop, scope, known)
            if bound is None:
                return
            lo_stop, hi_stop = bound
        if hi_stop - start + 1 > MAX_LOOP_ITEMS:
            self.report("HPS003", f"loop of {hi_stop - start + 1} items exceeds the limit of "
                       f"{MAX_LOOP_ITEMS}", stmt.span)
            return
        text = self.out.sources.get(stmt.stop.span.file, "")
        stop_text = text[stmt.stop.span.start:stmt.stop.span.end] or str(hi_stop)
        self.out.loops.append(LoopInfo(stmt.var, start, stop_text, max(lo_stop - start + 1, 0),
                                       max(hi_stop - start + 1, 0), stmt.span))
        for item in range(start, hi_stop + 1):
            conds = loop.conds
            if stop_cond and item > lo_stop:
                conds = (*conds, LoopCond(stmt.stop, item, scope))
            inner = Scope(scope.stage, (*scope.loop, (stmt.var, item, start)))
            idx = self._branch(stmt.span, conds, loop.branch)
            self.block(stmt.body, inner, conds, idx, stmt.span.file)

    def _bound_range(self, expr: ast.Expr, scope: Scope,
                     known: dict[str, RawDecl]) -> tuple[int, int] | None:
        """The smallest and largest value a loop's end can take, if it is a plain int parameter."""
        if isinstance(expr, ast.Name):
            parts: tuple[str, ...] = (expr.name,)
        elif isinstance(expr, ast.Dotted):
            parts = expr.parts
        else:
            self.report("HPS113", "the loop must end at an integer constant or parameter",
                       _span_of(expr), help="for example `for i in 1..n_layers`")
            return None
        decl = None
        for depth in range(len(scope.stage), -1, -1):
            decl = known.get(".".join((*scope.stage[:depth], *parts)))
            if decl is not None:
                break
        shown = ".".join(parts)
        if decl is None:
            self.report("HPS113", f"the loop ends at `{shown}`, which is not a parameter "
                       "declared outside the loop", _span_of(expr))
            return None
        values = _int_values(decl.stmt, scope.bindings())
        if values is None:
            self.report("HPS113", f"the loop ends at `{shown}`, which is not an integer parameter "
                       "with constant bounds", _span_of(expr),
                       help=f"declare it as e.g. `{shown} ~ randint(1, 4)`")
            return None
        return values


def _int_values(stmt: ast.Sample | ast.Assign, bindings: dict[str, int]) -> tuple[int, int] | None:
    if isinstance(stmt, ast.Assign):
        try:
            v = static_value(stmt.value, bindings)
        except StaticError:
            return None
        return (v, v) if isinstance(v, int) and not isinstance(v, bool) else None
    dist = stmt.dist
    try:
        if dist.name == "randint" and len(dist.args) == 2:
            lo = static_value(dist.args[0].value, bindings)
            hi = static_value(dist.args[1].value, bindings)
            if isinstance(lo, int) and isinstance(hi, int) and lo <= hi:
                return lo, hi
        if dist.name in ("choice", "pchoice") and dist.args:
            vals = [static_value(a.value, bindings) for a in dist.args]
            ints = [v for v in vals if isinstance(v, int) and not isinstance(v, bool)]
            if len(ints) == len(vals):
                return min(ints), max(ints)
    except StaticError:
        return None
    return None


def _listed(recorded: Mapping[str, str]) -> str:
    names = sorted(recorded)
    return "no included files" if not names else ", ".join(f"`{n}`" for n in names)


def _span_of(expr: ast.Expr) -> Span:
    return expr.span
