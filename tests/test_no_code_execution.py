"""No space file, study file or converted file makes hpdsl import or evaluate anything.

The package's only dynamic imports / unpickling are listed in ALLOWED below; a new one
fails `test_the_only_dynamic_code_is_the_known_one` until it is reviewed and listed.
"""

from __future__ import annotations

import json
import pickle
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from corpora import ROOT
from fuzz_harness import (
    HOSTILE_NAMES,
    HOSTILE_OPTIONS,
    check_outputs_escape,
    cli_output,
    hostile_space,
)

import hpdsl
from hpdsl.storage import StorageError

SPACE = "x ~ uniform(0, 1)\n"


def codes(text: str, base_dir: str | None = None) -> set[str]:
    space, diags, _ = hpdsl.check_text(text, "t.hps", base_dir)
    assert space is None
    return {d.code for d in diags if d.is_error}


def test_include_reads_only_hps_text(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    (tmp_path / "evil.py").write_text(f"open({str(marker)!r}, 'w').close()\nx = 1\n")
    (tmp_path / "x.hps").write_text(f"import os\nopen({str(marker)!r}, 'w').close()\n")
    assert codes('include "evil.py"\n', str(tmp_path)) == {"HPS401"}
    assert codes('include "evil"\n', str(tmp_path)) == {"HPS401"}
    assert "HPS001" in codes('include "x.hps"\n', str(tmp_path))  # Python is a syntax error
    assert not marker.exists() and "evil" not in sys.modules


@pytest.mark.parametrize("expr", ['__import__("os")', 'eval("1 + 1")', 'exec("x = 1")',
                                  'open("/etc/passwd")', "getattr(x, 1)", "x.__class__",
                                  "().__class__", "x.__class__.__bases__", "compile(1, 2, 3)",
                                  "globals()", "lambda: 1", "[c for c in x]", '"a" % x'])
def test_expressions_cannot_call_outside_the_whitelist(expr: str) -> None:
    found = codes(f"x ~ uniform(0, 1)\ny = {expr}\n")
    assert found and found <= {"HPS001", "HPS101", "HPS103", "HPS112"}, found


def crafted_study(path: Path) -> None:
    """A real study, then rows rewritten with crafted payloads."""
    trials = hpdsl.Trials(f"sqlite:///{path}")
    hpdsl.fmin(lambda c: c["x"], SPACE, algo=hpdsl.rand.suggest, max_evals=3, trials=trials,
               show_progressbar=False, rstate=0)
    trials.storage.close()  # type: ignore[attr-defined]


class Boom:
    """Unpickling this would run code: it must never happen."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, ("raise SystemExit('unpickled!')",))


@pytest.mark.parametrize("column,payload", [
    ("result", json.dumps({"__reduce__": ["os.system", ["echo hi"]], "loss": 1,
                           "py/object": "os.system"})),
    ("config", json.dumps({"x": {"__class__": "os._wrap_close", "$type": "pickle"}})),
    ("attachments", json.dumps({"blob": pickle.dumps(Boom()).hex()})),
    ("x", pickle.dumps(Boom())),
    ("result", pickle.dumps(Boom())),
])
def test_crafted_study_rows_are_data_or_refused(tmp_path: Path, column: str,
                                                payload: object,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.db"
    crafted_study(path)
    db = sqlite3.connect(path)
    db.execute(f"UPDATE trials SET {column} = ? WHERE number = 1", (payload,))
    db.commit()
    db.close()

    def no_unpickling(*args: object, **kw: object) -> None:
        raise AssertionError("a study file was unpickled")

    monkeypatch.setattr(pickle, "loads", no_unpickling)
    monkeypatch.setattr(pickle, "load", no_unpickling)
    try:
        trials = hpdsl.Trials(f"sqlite:///{path}")
    except StorageError as err:
        assert str(path) in str(err) and "trial 1 cannot be read" in str(err)
        return
    value = getattr(trials[1], column if column != "x" else "x")
    if column in ("config", "result", "attachments"):
        assert isinstance(value, dict)  # plain data
    hpdsl.storage.list_studies(f"sqlite:///{path}")


def test_convert_from_configspace_creates_only_data(tmp_path: Path) -> None:
    from hpdsl.convert import from_configspace

    marker = tmp_path / "ran"
    evil = f"__import__('os').system('touch {marker}')"
    doc = {
        "name": evil, "python_module_version": "1.2.0", "json_format_version": 0.4,
        "hyperparameters": [
            {"type": "categorical", "name": "model", "weights": None, "default_value": "a",
             "choices": ["a", 'b"\ninclude "/etc/passwd.hps', evil], "meta": {"__reduce__": evil}},
            {"type": "uniform_float", "name": "lr\nimport os", "lower": 0.0, "upper": 1.0,
             "default_value": 0.5, "log": False, "meta": None},
        ],
        "conditions": [], "forbiddens": [],
    }
    before = set(sys.modules)
    warnings: list[str] = []
    try:
        text = from_configspace(json.dumps(doc), warnings)
    except hpdsl.HpsError:
        text = None
    assert not marker.exists()
    assert {m for m in set(sys.modules) - before if not m.startswith(("ConfigSpace", "hpdsl"))
            } <= {"scipy", "numpy"} | {m for m in sys.modules if m.startswith(("scipy", "numpy"))}
    if text is not None:  # the crafted strings stay strings: no include, no statement
        space = hpdsl.loads(text, base_dir=str(tmp_path))
        model = next(p for p in space.parameters if p.name == "model")
        assert model.dimension is not None
        assert model.dimension.options == ("a", 'b"\ninclude "/etc/passwd.hps', evil)
        assert len(space.parameters) == 2
    for bad in ('{"hyperparameters": [{"type": "__import__", "name": "os"}]}', "[1, 2]",
                '{"py/reduce": [{"py/function": "os.system"}, ["echo hi"]]}'):
        with pytest.raises(hpdsl.HpsError):
            from_configspace(bad)
    assert not marker.exists()


# (path, the line's dynamic-code pattern): each reviewed
ALLOWED = {
    ("hpdsl/_lazy.py", "importlib"),  # package names and subpackages, from fixed tables
    ("hpdsl/search/_worker.py", "pickle.load"),  # the objective the driver itself pickled
    ("hpdsl/syntax/_grammar.py", "importlib"),  # `importlib.resources`: reads the grammar
    ("hpdsl/cli/_objective.py", "importlib"),  # `hpdsl run`: loads the user's objective
    ("hpdsl/cli/_run.py", "importlib"),  # `hpdsl run --algo`: one of ALGORITHMS (choices)
    ("hpdsl/cli/__init__.py", "importlib"),  # the command's module, from the COMMANDS table
}
DYNAMIC = re.compile(r"\beval\(|\bexec\(|pickle\.loads?\b|__import__|\bimportlib\b")


def test_the_only_dynamic_code_is_the_known_one() -> None:
    found = set()
    for path in sorted((ROOT / "hpdsl").rglob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.lstrip().startswith("#"):
                continue
            for match in DYNAMIC.finditer(line):
                kind = match.group(0).rstrip("(").replace("pickle.loads", "pickle.load")
                kind = "importlib" if kind == "importlib" else kind
                found.add((str(path.relative_to(ROOT)), kind))
    assert found <= ALLOWED, sorted(found - ALLOWED)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_stay_data_in_every_output_format(tmp_path: Path, name: str) -> None:
    """The file name and the space's strings reach each converter and output format
    escaped (see `check_outputs_escape`); fmt writes the same space back."""
    path = hostile_file(tmp_path, name)
    check_outputs_escape(path, HOSTILE_OPTIONS)
    assert not list(tmp_path.rglob("MARK")) and not (Path.cwd() / "MARK").exists()


def hostile_file(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / f"d{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    path = folder / f"{name.replace('/', '_')}.hps"
    path.write_text(hostile_space(HOSTILE_OPTIONS), encoding="utf-8")
    return path


def test_converted_hyperopt_module_imports_without_running_anything(tmp_path: Path) -> None:
    """Imported for real: the module defines `space` and nothing else happens."""
    path = hostile_file(tmp_path, HOSTILE_NAMES[0].replace("MARK", str(tmp_path / "MARK")))
    module = tmp_path / "converted_space.py"
    module.write_text(cli_output("convert", str(path), "--to", "hyperopt"), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", "import converted_space as m; "
                           "print(sorted(k for k in vars(m) if not k.startswith('__')))"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["['hp',", "'math',", "'scope',", "'space']"]
    assert not (tmp_path / "MARK").exists()


SHADOWS = ("json", "matplotlib", "numpy", "pickle", "hpdsl")  # the stdlib, packages, ourself


@pytest.mark.parametrize("spec", ["obj.py:objective", "obj:objective"])
def test_files_beside_the_objective_do_not_shadow_installed_modules(tmp_path: Path,
                                                                    spec: str) -> None:
    """`hpdsl run` loads the objective without putting its directory (or the working
    directory) before the standard library and installed packages: a `json.py` or
    `matplotlib.py` there is not imported, in the driver (with --plots) or in workers;
    the objective's own imports of files beside it still work."""
    marker = tmp_path / "shadowed"
    for name in SHADOWS:
        (tmp_path / f"{name}.py").write_text(
            f"open({str(marker)!r}, 'a').write({name!r} + '\\n')\n"
            "raise SystemExit('a shadowing module was imported')\n", encoding="utf-8")
    (tmp_path / "helper.py").write_text("def square(x):\n    return x * x\n")
    (tmp_path / "obj.py").write_text("import json\nimport helper\n\n\n"
                                     "def objective(cfg):\n"
                                     "    return json.loads(json.dumps(helper.square(cfg['x'])))\n")
    (tmp_path / "space.hps").write_text("x ~ uniform(-1, 1)\n")
    hpdsl_cli = Path(sys.executable).with_name("hpdsl")
    plots = ["--plots", "plots"] if spec.endswith(".py:objective") else []
    proc = subprocess.run([str(hpdsl_cli), "run", "space.hps", "--objective", spec,
                           "--max-evals", "6", "--n-jobs", "2", "--no-progress", *plots],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert not marker.exists(), marker.read_text()
    assert proc.returncode == 0, proc.stderr
    assert "6 trials (6 ok" in proc.stdout
    assert not plots or (tmp_path / "plots" / "history.png").exists()
