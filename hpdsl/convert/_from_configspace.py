"""ConfigSpace spaces (objects or their JSON) to `.hps` source."""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from ..analysis.unparse import KEYWORDS, is_name, literal, value_text
from ..errors import HpsError
from ._common import Notes, choices_of, configspace, python_value


def from_configspace(cs_or_json: Any, warnings: list[str] | None = None) -> str:
    """`.hps` source for a ConfigurationSpace, its JSON text, or the parsed JSON dict.

    What `.hps` cannot express (beta distributions, ConfigSpace's log-scaled normals,
    names that are not identifiers) is reported as `to_configspace` reports it.
    """
    CS = configspace()
    cs = cs_or_json
    if isinstance(cs, Mapping) and not isinstance(cs, CS.ConfigurationSpace):
        cs = json.dumps(cs)
    if isinstance(cs, str):
        try:
            cs = CS.ConfigurationSpace.from_json(io.StringIO(cs))
        except Exception as err:  # ConfigSpace raises many kinds of errors on bad input
            raise HpsError(f"not a ConfigSpace JSON document: {type(err).__name__}: "
                           f"{err}") from err
    if not isinstance(cs, CS.ConfigurationSpace):
        raise HpsError(f"expected a ConfigurationSpace or its JSON, not {type(cs).__name__}")
    if not len(cs):
        raise HpsError("the ConfigSpace space has no hyperparameters: nothing to convert")
    return _FromConfigSpace(cs, Notes(warnings)).run()


class _FromConfigSpace:
    def __init__(self, cs: Any, notes: Notes) -> None:
        self.cs = cs
        self.notes = notes
        self.names: dict[str, tuple[str, ...]] = {}
        for hp in cs.values():
            self.names[hp.name] = self.path_for(hp.name)

    def path_for(self, name: str) -> tuple[str, ...]:
        parts = name.split(".")
        if all(is_name(p) for p in parts):
            path = tuple(parts)
        else:
            clean = re.sub(r"\W", "_", name)
            clean = clean if is_name(clean) or clean in KEYWORDS else "_" + clean
            clean = clean + "_" if clean in KEYWORDS else clean
            path = (clean,)
            taken = set(self.names.values())
            while path in taken:
                path = (path[0] + "_",)
            self.notes.add(f"`{name}` is not an hpdsl name; renamed `{path[0]}`")
        return path

    def ref(self, name: str, stage: tuple[str, ...]) -> str:
        path = self.names[name]
        return path[-1] if path[:-1] == stage and stage else ".".join(path)

    def run(self) -> str:
        stages: dict[tuple[str, ...], list[str]] = {}
        for hp in self.cs.values():
            stage = self.names[hp.name][:-1]
            stages.setdefault(stage, []).extend(self.declaration(hp, stage))
        out: list[str] = ["# converted from ConfigSpace by hpdsl convert"]
        out += stages.pop((), [])
        for stage, lines in stages.items():
            out += self.stage(stage, lines)
        forbids = [self.forbidden(f) for f in self.cs.forbidden_clauses]
        if forbids:
            out.append("")
            out += [f"forbid {f}" for f in forbids if f]
        return "\n".join(out) + "\n"

    def stage(self, stage: tuple[str, ...], lines: list[str]) -> list[str]:
        out, pad = [""], ""
        for part in stage:
            out.append(f"{pad}{part} {{")
            pad += "    "
        out += [pad + line for line in lines]
        for _ in stage:
            pad = pad[:-4]
            out.append(f"{pad}}}")
        return out

    def declaration(self, hp: Any, stage: tuple[str, ...]) -> list[str]:
        name = self.names[hp.name][-1]
        text, extra = self.distribution(hp, name)
        cond = self.cs.conditions_dict.get(hp.name) if hasattr(self.cs, "conditions_dict") \
            else None
        if cond is None:
            cond = next((c for c in self.cs.conditions if _child_name(c) == hp.name), None)
        lines = [f"{name} {text}"] + [f"require {x}" for x in extra]
        if cond is None:
            return lines
        cond_text = self.condition(cond, stage)
        if len(lines) == 1:
            return [f"if {cond_text} then {lines[0]}"]
        return [f"if {cond_text} {{"] + ["    " + line for line in lines] + ["}"]

    def distribution(self, hp: Any, name: str) -> tuple[str, list[str]]:
        """`~ dist(...) [default v]` or `= value`, and constraints it needs."""
        kind = type(hp).__name__
        default = getattr(hp, "default_value", None)
        extra: list[str] = []
        if kind == "Constant":
            return f"= {literal(python_value(hp.value))}", []
        if kind in ("CategoricalHyperparameter", "OrdinalHyperparameter"):
            options = [python_value(v) for v in choices_of(hp)]
            if kind == "OrdinalHyperparameter" and not all(
                    isinstance(v, int | float) and not isinstance(v, bool) for v in options):
                self.notes.add(f"`{hp.name}`: an ordinal of labels becomes a choice; its order "
                               "is not kept")
            weights = getattr(hp, "weights", None)
            if weights is not None and len(set(weights)) > 1:
                total = float(sum(weights))
                probs = [float(w) / total for w in weights]
                body = ", ".join(f"{p!r}: {value_text(v)}" for p, v in zip(probs, options,
                                                                       strict=True))
                text = f"~ pchoice({body})"
            else:
                text = f"~ choice({', '.join(value_text(v) for v in options)})"
            return text + self.default(default, options[0]), []
        lo, hi = python_value(getattr(hp, "lower", None)), python_value(getattr(hp, "upper", None))
        log = bool(getattr(hp, "log", False))
        if kind == "UniformFloatHyperparameter":
            mid = math.sqrt(lo * hi) if log else (lo + hi) / 2
            return f"~ {'log' if log else ''}uniform({lo!r}, {hi!r})" + self.default(
                default, mid), []
        if kind == "UniformIntegerHyperparameter":
            text = f"~ qloguniform({lo}, {hi}, 1)" if log else f"~ randint({lo}, {hi})"
            return text + self.default(default, None if log else (lo + hi) // 2), []
        if kind.startswith("Normal") and not log:
            mu, sigma = python_value(hp.mu), python_value(hp.sigma)
            text = f"~ normal({mu!r}, {sigma!r})" if kind == "NormalFloatHyperparameter" \
                else f"~ qnormal({mu!r}, {sigma!r}, 1)"
            extra = [f"{name} >= {lo!r} and {name} <= {hi!r}"]
            return text + self.default(default, mu), extra
        if kind.startswith(("Normal", "Beta")):
            what = "a log-scaled normal" if kind.startswith("Normal") else "a beta distribution"
            self.notes.add(f"`{hp.name}`: hpdsl has no {what}; carried over as "
                           f"{'loguniform' if log else 'uniform'} over [{lo!r}, {hi!r}]")
            if "Integer" in kind:
                text = f"~ qloguniform({lo}, {hi}, 1)" if log else f"~ randint({lo}, {hi})"
            else:
                text = f"~ {'log' if log else ''}uniform({lo!r}, {hi!r})"
            return text + self.default(default, None), []
        raise HpsError(f"`{hp.name}`: ConfigSpace hyperparameter {kind} is not supported")

    @staticmethod
    def default(value: Any, implicit: Any) -> str:
        value = python_value(value)
        if value is None:
            return ""
        if implicit is not None and type(value) is type(implicit) and (
                value == implicit or (isinstance(value, float) and math.isclose(
                    value, implicit, rel_tol=1e-9))):
            return ""
        return f" default {value_text(value)}"

    def condition(self, cond: Any, stage: tuple[str, ...]) -> str:
        kind = type(cond).__name__
        if kind in ("AndConjunction", "OrConjunction"):
            word = " and " if kind == "AndConjunction" else " or "
            parts = [self.condition(c, stage) for c in cond.components]
            if kind == "AndConjunction":
                parts = [f"({p})" if " or " in p else p for p in parts]
            return word.join(parts)
        parent = self.ref(cond.parent.name, stage)
        if kind == "InCondition":
            return f"{parent} in {{{', '.join(literal(python_value(v)) for v in cond.values)}}}"
        op = {"EqualsCondition": "==", "NotEqualsCondition": "!=", "LessThanCondition": "<",
              "GreaterThanCondition": ">"}[kind]
        return f"{parent} {op} {literal(python_value(cond.value))}"

    def forbidden(self, f: Any) -> str:
        kind = type(f).__name__
        if kind in ("ForbiddenAndConjunction", "ForbiddenOrConjunction"):
            word = " and " if kind == "ForbiddenAndConjunction" else " or "
            parts = [self.forbidden(c) for c in f.components]
            if word == " and ":
                parts = [f"({p})" if " or " in p else p for p in parts]
            return word.join(parts)
        if "Relation" in kind:
            op = {"Equals": "==", "LessThan": "<", "GreaterThan": ">", "LessThanEquals": "<=",
                  "GreaterThanEquals": ">="}[kind[len("Forbidden"):-len("Relation")]]
            return f"{self.ref(f.left.name, ())} {op} {self.ref(f.right.name, ())}"
        name = self.ref(f.hyperparameter.name, ())
        if kind == "ForbiddenInClause":
            return f"{name} in {{{', '.join(literal(python_value(v)) for v in f.values)}}}"
        op = {"ForbiddenEqualsClause": "==", "ForbiddenLessThanClause": "<",
              "ForbiddenGreaterThanClause": ">", "ForbiddenLessThanEqualsClause": "<=",
              "ForbiddenGreaterThanEqualsClause": ">="}[kind]
        return f"{name} {op} {literal(python_value(f.value))}"


def _child_name(cond: Any) -> str:
    return str(cond.child.name)
