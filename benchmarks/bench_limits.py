"""The cost of each limit on total work and memory (tests/README.md records the figures).

Each case runs `hpdsl ...` in a fresh process (address space capped at 4 GiB, 600 s) and
reports its exit status, wall time and peak RSS (GNU time's %M): the largest
input a limit admits, and what it costs to refuse the next one.

    .venv/bin/python benchmarks/bench_limits.py            # every case
    .venv/bin/python benchmarks/bench_limits.py elif        # the cases whose name has "elif"
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

MEMORY = 4 << 30
TIMEOUT = 600


def loops(count: int, items: int) -> str:
    return "".join(f"for i in 1..{items} {{\n    u{k}[i] ~ uniform(0, 1)\n}}\n"
                   for k in range(count))


def elif_chain(branches: int) -> str:
    keyword = ["if", *["} elif"] * (branches - 1)]
    arms = "".join(f"{kw} m == {i} {{\n    x ~ uniform(0, {i + 1})\n"
                   for i, kw in enumerate(keyword))
    return f"m ~ randint(0, {branches})\n{arms}}}\n"


def junction(terms: int) -> str:
    return "a ~ uniform(0, 1)\nforbid " + " and ".join(f"a > {i / terms}"
                                                       for i in range(terms)) + "\n"


def include_chain(directory: Path, files: int, fanout: int, leaf: str) -> str:
    for i in range(files):
        body = "".join(f'include "f{i + 1}.hps"\n' for _ in range(fanout)) \
            if i + 1 < files else leaf
        (directory / f"f{i}.hps").write_text(body)
    return 'include "f0.hps"\n'


def nested_blocks(depth: int) -> str:
    return ("".join(f"{'    ' * i}s{i} {{\n" for i in range(depth)) + "    " * depth
            + "x ~ uniform(0, 1)\n" + "".join(f"{'    ' * i}}}\n" for i in reversed(range(depth))))


def pipe(directory: Path) -> str:
    os.mkfifo(directory / "pipe.hps")
    return 'x ~ uniform(0, 1)\ninclude "pipe.hps"\n'


# name -> (space text, or a function of the directory giving it; the command's arguments)
Case = tuple[str | Callable[[Path], str], list[str]]
CASES: dict[str, Case] = {
    "10,000 parameters (sample)": ("".join(f"p{i} ~ uniform(0, {i + 1})\n"
                                           for i in range(10_000)), ["sample"]),
    "200 nested blocks (sample)": (nested_blocks(200), ["sample"]),
    "300 nested blocks (lint, refused)": (nested_blocks(300), ["lint"]),
    "loop of 10,000 items (sample -n 100)": ("for i in 1..10000 {\n    u[i] ~ uniform(0, i)\n}\n",
                                             ["sample", "-n", "100"]),
    "include chain of 100 files (sample)": (
        lambda d: include_chain(d, 100, 1, "x ~ uniform(0, 1)\n"), ["sample"]),
    "include chain of 200 files (lint, refused)": (
        lambda d: include_chain(d, 200, 1, "x ~ uniform(0, 1)\n"), ["lint"]),
    "included named pipe (lint)": (pipe, ["lint"]),
    "include bomb: 30 files x 2 (lint)": (lambda d: include_chain(d, 30, 2, "x ~ uniform(0, 1)\n"),
                                          ["lint"]),
    "includes expanding to 2.3 MB, 65,536 empty leaves (lint)": (
        lambda d: include_chain(d, 17, 2, ""), ["lint"]),
    "elif chain, 150 branches redeclaring x (lint)": (elif_chain(150), ["lint"]),
    "elif chain, 300 branches (lint)": (elif_chain(300), ["lint"]),
    "elif chain, 1,000 branches (lint)": (elif_chain(1000), ["lint"]),
    "elif chain, 2,000 branches (lint)": (elif_chain(2000), ["lint"]),
    "and chain, 1,000 terms (lint)": (junction(1000), ["lint"]),
    "and chain, 10,000 terms (lint)": (junction(10_000), ["lint"]),
    "and chain, 100,000 terms (lint)": (junction(100_000), ["lint"]),
    "10 loops x 10,000 items (lint)": (loops(10, 10_000), ["lint"]),
    "10 loops x 10,000 items (sample -n 20)": (loops(10, 10_000), ["sample", "-n", "20"]),
    "1 loop x 1,000 items (sample -n 10000, 10 million values)": (
        loops(1, 1000), ["sample", "-n", "10000"]),
    "randint(0, 10**9) (show)": ("x ~ randint(0, 1000000000)\n", ["show"]),
    "1 MB string option (sample -n 1000)": (f'x ~ choice("{"a" * 1_000_000}", b)\n',
                                            ["sample", "-n", "1000"]),
    "lognormal(1000, 1) (sample)": ("x ~ lognormal(1000, 1)\n", ["sample"]),
}


def measure(name: str, case: Case) -> str:
    text, args = case
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        source = text(directory) if callable(text) else text
        (directory / "space.hps").write_text(source)

        def limit() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
        start = time.perf_counter()
        try:
            proc = subprocess.run(["/usr/bin/time", "-f", "peak-rss-kb %M", sys.executable,
                                   "-m", "hpdsl", *args, "space.hps"],
                                  cwd=directory, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True, timeout=TIMEOUT,
                                  preexec_fn=limit)
            lines = proc.stderr.splitlines()
            rss = next((f"{int(line.split()[1]) / 1024:.0f} MiB" for line in lines
                        if line.startswith("peak-rss-kb")), "?")
            status = str(proc.returncode if proc.returncode < 128 else proc.returncode - 128)
            first = next((line for line in lines if "error" in line), "")
        except subprocess.TimeoutExpired:
            status, first, rss = "timeout", "", "?"
        elapsed = time.perf_counter() - start
    return f"| {name} | exit {status} | {elapsed:.1f} s | {rss} | {first[:90]} |"


def main() -> None:
    wanted = sys.argv[1:]
    print("| case | outcome | time | peak RSS | first error |\n|---|---|---|---|---|")
    for name, case in CASES.items():
        if not wanted or any(w in name for w in wanted):
            print(measure(name, case), flush=True)


if __name__ == "__main__":
    main()
