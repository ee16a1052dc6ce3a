"""The wheel holds every file the package needs at run time, not only its Python.

An editable checkout reads the console's catalogues and assets from the source tree, so nothing else in
the suite would notice a wheel without them; a site that installs the wheel would get a console that
shows catalogue keys and no styles.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tracked() -> list[str]:
    return subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30
    ).stdout.splitlines()


def _copy_of_the_checkout(tracked: list[str], into: Path) -> Path:
    """The tracked files as they are now, without the checkout's build/ and egg-info, whose stale lists
    of sources setuptools would otherwise follow (and so pass where a fresh build fails)."""
    for name in tracked:
        source = ROOT / name
        if source.is_file():
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return into


@pytest.mark.slow
def test_the_wheel_carries_every_data_file(tmp_path: Path) -> None:
    tracked = _tracked()
    data = {n.removeprefix("src/") for n in tracked if n.startswith("src/qarauyl/") and not n.endswith(".py")}
    # The console's catalogues and static assets are what an installation would miss first.
    assert {"qarauyl/i18n/kk.json", "qarauyl/web/static/console.css"} <= data
    tree = _copy_of_the_checkout(tracked, tmp_path / "tree")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(tree),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    (wheel,) = (tmp_path / "dist").glob("qarauyl-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = sorted(data - names)
    assert not missing, f"the wheel lacks {missing}: add them to [tool.setuptools.package-data]"
    # The migrations are Python but live outside any package's __init__: they must be there too.
    assert any(name.startswith("qarauyl/store/migrations/versions/") for name in names)
