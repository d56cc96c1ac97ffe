"""Benchmark: how long the light entry points take to start, in a fresh interpreter.

    .venv/bin/python benchmarks/bench_startup.py          # 15 runs each
    .venv/bin/python benchmarks/bench_startup.py --runs 5

Wall clock of a new process running `hpdsl --version`, `hpdsl --help`, `hpdsl explain
HPS102`, `import hpdsl.storage` and, for scale, `hpdsl lint` on examples/classifier.hps
(which loads lark, networkx and numpy) and a bare `python -c pass`. Median of the runs.
Target: the light commands within 0.1 s of a bare interpreter (none of them loads numpy,
networkx or lark; tests/test_architecture.py checks that).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "python -c pass": "pass",
    "hpdsl --version": "from hpdsl.cli import main; main(['--version'])",
    "hpdsl --help": "from hpdsl.cli import main; main(['--help'])",
    "hpdsl explain HPS102": "from hpdsl.cli import main; main(['explain', 'HPS102'])",
    "import hpdsl.storage": "import hpdsl.storage",
    "hpdsl lint examples/classifier.hps":
        "from hpdsl.cli import main; main(['lint', 'examples/classifier.hps'])",
}


def seconds(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    for label, code in CASES.items():
        print(f"{label:<36} {seconds(code, args.runs) * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
