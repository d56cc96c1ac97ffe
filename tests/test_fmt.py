"""`hpdsl fmt` and `format_source`: idempotent, meaning-preserving, comment-preserving."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from corpora import ALL_EXAMPLES, EXAMPLES_DIR, FIXTURES, ROOT
from run_cli import cli

import hpdsl
from hpdsl import format_source
from hpdsl.analysis.unparse import expr_text
from hpdsl.errors import SpaceError
from hpdsl.syntax import parse


def _parses(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return False
    return parse(text, str(path))[0] is not None


PARSING_FIXTURES = [p for p in FIXTURES if _parses(p)]
ALL = ALL_EXAMPLES + PARSING_FIXTURES

MESSY = """\


# head


a~uniform( 0 ,1 )   # trailing a
bb =  a*2+1
c = a - (bb - 1)
d = (a ** 2) ** 3
e = -(a + 1) * 2
g = 2 ** -1 + (a)


model ~ choice( x,
   # inside a call
   y ) default x
if model == x { z ~ randint(1, 5) }  # after a one-line block
if (model == x) and (a > 0.5 or bb < 2) {   # on the header

    w ~ choice(1, 2, 3)


    # own line
    v = w * 2

    # before the brace
}
# between brace and elif
elif model == y {
} else {  # on else
  q ~ pchoice(0.25:x, 0.75 :"y y")
}
stage1 {
 s ~ quniform(0,1,0.05)
    if not (model == x) then if a > 0.1 then forbid s > 0.5 # inline if
}
n ~ randint(1, 3)
for i in 1 .. n { u[i] ~ uniform(1e-3, 1E2)
 }
require not model in {x} or True
# tail


"""


def _meaning(space: hpdsl.Space) -> tuple[object, ...]:
    constraints = [(c.kind, expr_text(c.expr), tuple(map(expr_text, c.conditions)))
                   for c in space.coords.analysis.constraints]
    return (space.parameters, constraints, space.sample(7, 20))


@pytest.mark.parametrize("path", ALL, ids=lambda p: str(p.relative_to(ROOT)))
def test_idempotent(path: Path) -> None:
    once = format_source(path.read_text(encoding="utf-8"), str(path))
    assert format_source(once, str(path)) == once


@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=lambda p: p.name)
def test_meaning_preserved(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    base = str(path.parent)
    before = hpdsl.loads(text, str(path), base_dir=base)
    after = hpdsl.loads(format_source(text), str(path), base_dir=base)
    assert _meaning(before) == _meaning(after)


def _comments(text: str) -> list[str]:
    module, _ = parse(text)
    assert module is not None
    return [c.text.rstrip() for c in module.comments]


@pytest.mark.parametrize("path", ALL, ids=lambda p: str(p.relative_to(ROOT)))
def test_comments_preserved_in_order(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert _comments(format_source(text)) == _comments(text)


def test_messy_layout() -> None:
    out = format_source(MESSY)
    assert format_source(out) == out
    assert _comments(out) == _comments(MESSY)
    assert _meaning(hpdsl.loads(MESSY)) == _meaning(hpdsl.loads(out))
    lines = out.splitlines()
    assert lines[0] == "# head" and lines[1] == ""
    assert "a  ~ uniform(0, 1)  # trailing a" in lines  # aligned run, trailing comment
    assert "c  = a - (bb - 1)" in lines  # needed parentheses stay
    assert "d  = (a ** 2) ** 3" in lines
    assert "e  = -(a + 1) * 2" in lines
    assert "g  = 2 ** -1 + a" in lines  # useless ones go
    assert "}  # after a one-line block" in lines
    assert "if model == x and (a > 0.5 or bb < 2) {  # on the header" in lines
    assert "} elif model == y {" in lines and "} else {  # on else" in lines
    assert '    q ~ pchoice(0.25: x, 0.75: "y y")' in lines
    assert "    if not model == x then if a > 0.1 then forbid s > 0.5  # inline if" in lines
    assert "for i in 1..n {" in lines and "    u[i] ~ uniform(1e-3, 1E2)" in lines
    assert "require not model in {x} or true" in lines
    assert "\n\n\n" not in out and out.endswith("# tail\n")
    assert all(re.match(r"^( {4})*\S", ln) for ln in lines if ln)


def test_syntax_error_raises() -> None:
    with pytest.raises(SpaceError):
        format_source("a ~ uniform(0, 1\n")


def test_cli_check_write_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messy = tmp_path / "messy.hps"
    messy.write_text(MESSY)
    clean = tmp_path / "clean.hps"
    clean.write_text(format_source(MESSY))
    broken = tmp_path / "broken.hps"
    broken.write_text("a ~ uniform(0, 1\n")

    status, _, err = cli(capsys, "fmt", "--check", clean)
    assert status == 0, err
    status, out, _ = cli(capsys, "fmt", "--check", messy, clean)
    assert status == 1
    assert f"would reformat {messy}" in out and str(clean) not in out
    assert messy.read_text() == MESSY  # --check writes nothing

    status, out, _ = cli(capsys, "fmt", "--diff", messy)
    assert status == 0 and out.startswith("---")
    assert messy.read_text() == MESSY

    status, _, err = cli(capsys, "fmt", messy)
    assert status == 0, err
    assert messy.read_text() == clean.read_text()

    status, _, err = cli(capsys, "fmt", broken)
    assert status == 1 and "error[HPS001]" in err
    assert broken.read_text() == "a ~ uniform(0, 1\n"

    status, _, err = cli(capsys, "fmt", tmp_path / "missing.hps")
    assert status == 2 and "missing.hps" in err
    assert "examples:" in cli(capsys, "fmt", "--help")[1]


def test_pre_commit_hooks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    by_id = {h["id"]: h for h in hooks}
    assert by_id["hpdsl-lint"]["entry"] == "hpdsl lint"
    assert by_id["hpdsl-fmt"]["entry"] == "hpdsl fmt --check"
    for hook in hooks:
        assert re.search(hook["files"], "space.hps") and not re.search(hook["files"], "a.py")
        assert hook["language"] == "python" and hook["name"]
    example = tmp_path / "example.hps"
    example.write_text(format_source((EXAMPLES_DIR / "classifier.hps").read_text()))
    for hook in hooks:  # pre-commit appends the staged file names to the entry
        entry = hook["entry"].split()
        status, _, err = cli(capsys, *entry[1:], example)
        assert status == 0, (hook["id"], err)
    example.write_text("a~uniform(0,1)\n")
    # pre-commit runs the installed `hpdsl` script: run it once as a real process
    exe = Path(sys.executable).parent / "hpdsl"
    result = subprocess.run([str(exe), "fmt", "--check", str(example)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1 and "would reformat" in result.stdout, result.stderr


def test_nested_or_keeps_its_meaning_and_its_tree_through_fmt() -> None:
    """Found by `make fuzz`: `a or (b or c)` printed without parentheses re-parsed as a
    different tree; `and`/`or` now parse to one flat junction however they are nested."""
    source = ("k ~ randint(0, 3)\nflag ~ choice(true, false)\n"
              "if (k == 0) or ((flag) or (k == 1)) { x ~ uniform(0, 1) }\n")
    formatted = hpdsl.format_source(source)
    assert "k == 0 or flag or k == 1" in formatted
    before, after = hpdsl.loads(source), hpdsl.loads(formatted)
    assert [p.condition for p in before.parameters] == [p.condition for p in after.parameters]
    assert before.sample(3, 50) == after.sample(3, 50)


def test_fmt_writes_through_symbolic_links_keeping_mode(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A link stays a link and the file it leads to is formatted, atomically (no
    temporary file left), its mode kept; a chain of links and a relative link too."""
    real = tmp_path / "real"
    real.mkdir()
    target = real / "space.hps"
    target.write_text("x~uniform( 0,1 )\n", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "link.hps"
    link.symlink_to(Path("real") / "space.hps")
    chain = tmp_path / "chain.hps"
    chain.symlink_to(link)
    status, _, err = cli(capsys, "fmt", chain)
    assert status == 0, err
    assert chain.is_symlink() and link.is_symlink()
    assert target.read_text(encoding="utf-8") == "x ~ uniform(0, 1)\n"
    assert target.stat().st_mode & 0o7777 == 0o640
    assert sorted(p.name for p in real.iterdir()) == ["space.hps"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chain.hps", "link.hps", "real"]


def test_fmt_reports_a_file_it_cannot_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A directory that refuses the temporary file (as a read-only one does for users
    other than root): one error line, exit 2, the file untouched."""
    from hpdsl.cli import main

    target = tmp_path / "space.hps"
    target.write_text("x~uniform( 0,1 )\n", encoding="utf-8")

    def refuse(*args: object, **kw: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", refuse)
    assert main(["fmt", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"hpdsl: error: cannot write {target}: Permission denied" in err
    assert "internal error" not in err
    assert target.read_text(encoding="utf-8") == "x~uniform( 0,1 )\n"
