"""Runs the benchmarks one after another, each in its own process: `python -m bench [--quick] [NAME...]`.

NAME is a script's name without `bench_` and `.py` (for example `diagnosis_speed`); none means all of
them. `--quick` is passed to the scripts that have a quick variant (a smoke run, not a measurement);
`--list` prints the names. The figures each prints are the product's benchmark figures (see README.md).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def scripts() -> dict[str, Path]:
    return {path.stem.removeprefix("bench_"): path for path in sorted(HERE.glob("bench_*.py"))}


def has_quick(script: Path) -> bool:
    return '"--quick"' in script.read_text(encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="the quick variant where a script has one")
    parser.add_argument("--list", action="store_true", help="print the benchmarks' names and stop")
    args = parser.parse_args()
    known = scripts()
    if args.list:
        for name, path in known.items():
            print(name if has_quick(path) else f"{name}  (no --quick)")
        return 0
    unknown = [name for name in args.names if name not in known]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(known)}")
    failed = []
    for name in args.names or list(known):
        script = known[name]
        command = [sys.executable, str(script)] + (["--quick"] if args.quick and has_quick(script) else [])
        print(f"=== {name} ===", flush=True)
        start = time.monotonic()
        done = subprocess.run(command, check=False)
        verdict = "ok" if done.returncode == 0 else "FAILED"
        print(f"=== {name}: {verdict} in {time.monotonic() - start:.0f} s\n")
        if done.returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
