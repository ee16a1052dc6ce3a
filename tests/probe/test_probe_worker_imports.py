"""What a probe worker imports: only what probing and diagnosis need, not the caller's program.

Each script below runs in a fresh interpreter as its own main module, as `qarauyl monitor` does; its top
level writes a line to a file every time it is imported, so the file tells which processes imported it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

_SCRIPT = """
import os
import sys

with open(sys.argv[1], "a") as marks:
    marks.write(f"{{os.getpid()}}\\n")

from qarauyl.probe import ProbeJob, ProbePool
{runner_definition}

if __name__ == "__main__":
    with ProbePool(2, memory_limit_mb=None{runner_argument}) as pool:
        # Port 1 on this machine: refused at once, a real probe's quickest end.
        results = list(pool.map([ProbeJob("rtsp://127.0.0.1:1/stream", timeout=5.0)] * 2))
    print(",".join(result.error.code if result.error else "ok" for result in results))
"""


def _run(tmp_path: Path, runner_definition: str = "", runner_argument: str = "") -> tuple[str, list[str]]:
    script = tmp_path / "caller.py"
    script.write_text(
        textwrap.dedent(_SCRIPT.format(runner_definition=runner_definition, runner_argument=runner_argument))
    )
    marks = tmp_path / "imported-by.txt"
    done = subprocess.run(
        [sys.executable, str(script), str(marks)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip(), marks.read_text().split()


def test_workers_do_not_import_the_callers_main_module(tmp_path: Path) -> None:
    answers, importers = _run(tmp_path)
    assert answers == "offline,offline"  # the workers ran the probes
    assert len(importers) == 1  # the caller alone: neither of the two workers imported it


def test_a_runner_defined_in_the_main_module_still_reaches_the_workers(tmp_path: Path) -> None:
    definition = """
from qarauyl.probe import run_job

def my_runner(job, on_stage):
    return run_job(job, on_stage)
"""
    answers, importers = _run(tmp_path, definition, ", runner=my_runner")
    assert answers == "offline,offline"
    assert len(importers) == 3  # the caller and both workers: they need my_runner from it


def test_the_monitors_job_imports_no_database_or_web_stack() -> None:
    """A probe worker unpickles `qarauyl.monitor.job`; the monitor package must not drag the service's
    stack in with it (31 MiB per worker)."""
    check = (
        "import sys, qarauyl.monitor.job, qarauyl.probe.pool; "
        "print(sorted(m for m in ('sqlalchemy', 'pydantic', 'starlette', 'fastapi', 'nicegui') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
