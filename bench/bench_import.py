"""Inventory import at scale: a 100,000-row CSV through `qarauyl cameras import`, as a user runs it.

Prints the wall time of the first import (all rows created, passwords encrypted), of the second
(nothing changes) and of the export. Target: the first import under 60 s on the 2-core machine.

    .venv/bin/python bench/bench_import.py [--rows 100000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from qarauyl.inventory.demo_fleet import generate_fleet
from qarauyl.inventory.records import COLUMNS


def write_big_csv(path: Path, rows: int) -> None:
    fleet = generate_fleet(rows, seed=1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in fleet:
            cells = []
            for column in COLUMNS:
                value = row.get(column)
                if column == "resolution" and value:
                    value = f"{value[0]}x{value[1]}"
                elif column == "tags":
                    value = ";".join(value)
                cells.append("" if value is None else str(value))
            writer.writerow(cells)


def timed(env: dict[str, str], *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "qarauyl", *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"qarauyl {' '.join(args)} failed:\n{result.stderr}")
    return elapsed, result.stdout.strip().splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", help="also run against this PostgreSQL URL (an empty database)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "cameras.csv"
        start = time.perf_counter()
        write_big_csv(source, args.rows)
        size_mib = source.stat().st_size / 2**20
        print(f"generated {args.rows:,} rows ({size_mib:.1f} MiB) in {time.perf_counter() - start:.1f} s")
        targets = [("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}")]
        if args.postgres:
            targets.append(("postgresql", args.postgres))
        for name, url in targets:
            env = {
                **os.environ,
                "QARAUYL_DATA_DIR": str(Path(tmp) / f"data-{name}"),
                "QARAUYL_DATABASE_URL": url,
                "QARAUYL_CONFIG": str(Path(tmp) / "none.toml"),
            }
            first, said = timed(env, "cameras", "import", str(source))
            print(f"{name:10} first import  {first:6.1f} s  ({args.rows / first:,.0f} rows/s)  {said}")
            second, said = timed(env, "cameras", "import", str(source))
            print(f"{name:10} second import {second:6.1f} s  {said}")
            export, said = timed(env, "cameras", "export", str(Path(tmp) / f"out-{name}.csv"))
            print(f"{name:10} export        {export:6.1f} s  {said}")


if __name__ == "__main__":
    main()
