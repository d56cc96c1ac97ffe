"""Rows of a Batch to the dictionaries users see, and back.

Only active names appear; ints are `int`, choices their option values, stages
nested dicts and loop items lists. Rows are grouped by which names are active so
that each group becomes dicts with one `zip` per row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._program import Batch, Program

Path = tuple[str | int, ...]


def _python_values(program: Program, batch: Batch, name: str, rows: np.ndarray) -> np.ndarray:
    """Object array of the name's values on `rows`, as Python objects of the right type."""
    out = np.empty(len(rows), dtype=object)
    positions = program.steps_of[name]
    for pos in positions:
        step = program.steps[pos]
        act = batch.step_active[pos][rows]
        if len(positions) > 1 and not act.any():
            continue
        if pos in batch.index:
            assert step.decl.dist is not None
            opts = np.empty(len(step.decl.dist.options), dtype=object)
            opts[:] = list(step.decl.dist.options)
            vals: np.ndarray = opts[batch.index[pos][rows]]
        else:
            col = batch.env.columns[name].values[rows]
            vals = _convert(col, program.types.get(name, frozenset()), step)
        if len(positions) == 1:
            return vals
        out[act] = vals[act]
    return out


def _python_value(program: Program, batch: Batch, name: str, r: int) -> Any:
    """`_python_values` of one row: the name's value in row r (where it is active)."""
    positions = program.steps_of[name]
    # of several declarations, the last one active in the row gives the value, as in
    # `_python_values`
    pos = next(p for p in reversed(positions) if batch.step_active[p][r]) \
        if len(positions) > 1 else positions[0]
    step = program.steps[pos]
    if pos in batch.index:
        assert step.decl.dist is not None
        return step.decl.dist.options[int(batch.index[pos][r])]
    col = batch.env.columns[name].values[r:r + 1]
    types = program.types.get(name, frozenset())
    # `_convert`'s rules for one value (tests/test_coordinate_rows.py compares the two)
    v = col.tolist()[0]
    if col.dtype == object:
        return v
    dist = step.decl.dist
    if dist is not None and (dist.integer or dist.kind == "randint"):
        return int(v) if math.isfinite(v) and abs(v) < 2.0**63 else _convert(col, types, step)[0]
    if dist is None and types == frozenset({"int"}):
        return int(v) if v == v and float(v).is_integer() else v
    return v


def _convert(col: np.ndarray, types: frozenset[str], step: Any) -> np.ndarray:
    out = np.empty(len(col), dtype=object)
    if col.dtype == object:
        out[:] = list(col)
        return out
    dist = step.decl.dist
    if dist is not None and (dist.integer or dist.kind == "randint"):
        col = np.nan_to_num(col)
        if col.size and np.abs(col).max() < 2.0**63:
            out[:] = col.astype(np.int64).tolist()
        else:  # qnormal's unbounded integers: int64 would wrap
            out[:] = [int(v) for v in col.tolist()]
        return out
    if dist is None and types == frozenset({"int"}):
        out[:] = [int(v) if v == v and float(v).is_integer() else v for v in col.tolist()]
        return out
    out[:] = col.tolist()
    return out


def configs(program: Program, batch: Batch, rows: np.ndarray) -> list[dict[str, Any]]:
    names = program.names
    if not names or len(rows) == 0:
        return [{} for _ in range(len(rows))]
    if len(rows) == 1:  # a search loop's proposal: no grouping of rows by pattern
        r = int(rows[0])
        which = [n for n in names if batch.env.columns[n].active[r]]
        row = tuple(_python_value(program, batch, n, r) for n in which)
        if any(len(p) > 1 for p in program.paths.values()):
            return [nest([program.paths[n] for n in which], row)]
        return [dict(zip([str(program.paths[n][0]) for n in which], row, strict=True))]
    active = np.stack([batch.env.columns[n].active[rows] for n in names], axis=1)
    _, first, inverse = np.unique(_pattern_keys(active), return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    values = {}
    result: list[dict[str, Any]] = [{}] * len(rows)
    nested = any(len(p) > 1 for p in program.paths.values())
    for g, row0 in enumerate(first):
        members = np.flatnonzero(inverse == g)
        which = [n for n, a in zip(names, active[row0], strict=True) if a]
        cols = []
        for n in which:
            if n not in values:
                values[n] = _python_values(program, batch, n, rows)
            cols.append(values[n][members].tolist())
        if nested:
            paths = [program.paths[n] for n in which]
            dicts = [nest(paths, row) for row in zip(*cols, strict=True)] if cols else [
                {} for _ in members]
        else:
            keys = [str(program.paths[n][0]) for n in which]
            dicts = [dict(zip(keys, row, strict=True)) for row in zip(*cols, strict=True)] \
                if cols else [{} for _ in members]
        for i, d in zip(members.tolist(), dicts, strict=True):
            result[i] = d
    return result


def _pattern_keys(active: np.ndarray) -> np.ndarray:
    """One sortable key per row that identifies its set of active names."""
    n, k = active.shape
    if k <= 63:
        weights = np.left_shift(np.int64(1), np.arange(k, dtype=np.int64))
        return active.astype(np.int64) @ weights
    packed = np.ascontiguousarray(np.packbits(active, axis=1))
    return packed.view(np.dtype((np.void, packed.shape[1]))).reshape(n)


def nest(paths: list[Path], values: tuple[Any, ...]) -> dict[str, Any]:
    """Build the nested output: str path parts are dict keys, int parts list positions.

    A list has as many items as its highest active item; an item that is inactive
    while a later one is active holds None.
    """
    root: dict[str, Any] = {}
    for path, value in zip(paths, values, strict=True):
        node: Any = root
        for i, part in enumerate(path[:-1]):
            fresh: Any = [] if isinstance(path[i + 1], int) else {}
            if isinstance(part, str):
                node = node.setdefault(part, fresh)
            else:
                while len(node) <= part:
                    node.append(None)
                if node[part] is None:
                    node[part] = fresh
                node = node[part]
        last = path[-1]
        if isinstance(last, str):
            node[last] = value
        else:
            while len(node) <= last:
                node.append(None)
            node[last] = value
    return root


def flatten(program: Program, cfg: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A user configuration as {name: value}, and the keys that are not in the space."""
    by_path = program.name_of_path
    prefixes = program.path_prefixes
    flat: dict[str, Any] = {}
    unknown: list[str] = []

    def walk(node: Any, path: Path, shown: str) -> None:
        if path in by_path:
            flat[by_path[path]] = node
            return
        if path and path not in prefixes:
            unknown.append(shown)
            return
        if isinstance(node, Mapping):
            for k, v in node.items():
                if not isinstance(k, str):
                    unknown.append(f"{shown}[{k!r}]" if shown else repr(k))
                    continue
                walk(v, (*path, k), f"{shown}.{k}" if shown else k)
        elif isinstance(node, list | tuple):
            for i, v in enumerate(node):
                if v is None and (*path, i) not in by_path:
                    continue  # the place of an inactive item that holds a stage
                walk(v, (*path, i), f"{shown}[{i}]")
        else:
            unknown.append(shown or "<root>")

    if not isinstance(cfg, Mapping):
        return {}, ["<root>"]
    walk(cfg, (), "")
    return flat, unknown
