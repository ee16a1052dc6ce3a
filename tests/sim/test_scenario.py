"""Scenario files: a valid timeline parses; every mistake names its line and field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qarauyl.errors import InputError
from qarauyl.sim.scenario import load_scenario, parse_ids, parse_scenario

GOOD = """
[[cameras]]
ids = "1-3"
scene = "street_night"
auth = "basic"

[[events]]
at = 300
cameras = 17
clear = "blur"

[[events]]
at = 60
cameras = [17, 18]
set = "blur"
strength = 0.6

[[events]]
at = 10
cameras = "5"
set = "stall"
params = { after_frames = 10 }

[[events]]
at = 20
cameras = 4
password = "changed"
"""


def test_good_scenario() -> None:
    s = parse_scenario(GOOD, Path("s.toml"))
    assert s.groups[0].ids == (1, 2, 3) and s.groups[0].profile == {"scene": "street_night"}
    assert s.groups[0].auth == "basic"
    assert [e.at for e in s.events] == [10, 20, 60, 300]  # sorted
    assert s.events[0].fault is not None and s.events[0].fault.param("after_frames") == 10
    assert s.events[2].fault is not None and s.events[2].fault.name == "blur" and s.events[2].ids == (17, 18)
    assert s.events[1].password == "changed" and s.events[3].clear == "blur"


def problems(text: str) -> list[str]:
    with pytest.raises(InputError) as err:
        parse_scenario(text, Path("s.toml"))
    return [str(p) for p in err.value.problems]


def test_unknown_fault_names_line_and_field() -> None:
    text = (
        '[[events]]\nat = 1\ncameras = 1\nset = "blur"\n\n[[events]]\nat = 2\ncameras = 1\nset = "blurry"\n'
    )
    assert problems(text) == [
        "s.toml:6: events[2].set: unknown fault 'blurry' (faults: " + problems(text)[0].split("(faults: ")[1]
    ]
    assert "s.toml:6: events[2].set: unknown fault 'blurry'" in problems(text)[0]


def test_malformed_toml_names_the_line() -> None:
    (p,) = problems("[[events]]\nat = 1\ncameras = [1,\nset = blur\n")
    assert p.startswith("s.toml:4:") and "TOML" in p


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[events]]\nat = -1\ncameras = 1\nset = "blur"\n', "s.toml:1: events[1].at: expected seconds"),
        ('[[events]]\nat = 1\nset = "blur"\n', "events[1].cameras: missing"),
        ('[[events]]\nat = 1\ncameras = "3-1"\nset = "blur"\n', "events[1].cameras: bad camera id or range"),
        ('[[events]]\nat = 1\ncameras = 1\nset = "blur"\nstrength = 2\n', "events[1].strength:"),
        (
            '[[events]]\nat = 1\ncameras = 1\nset = "stall"\nparams = {frames = 1}\n',
            "events[1].params: fault 'stall': unknown parameter 'frames'",
        ),
        ("[[events]]\nat = 1\ncameras = 1\n", "exactly one of"),
        ('[[events]]\nat = 1\ncameras = 1\nclear = "x"\n', "events[1].clear: unknown fault 'x'"),
        ('[[cameras]]\nids = 1\nscene = "moon"\n', "s.toml:1: cameras[1].scene: unknown scene 'moon'"),
        ("[[cameras]]\nids = 1\ncolour = 1\n", "cameras[1].colour: unknown field"),
        ('[[cameras]]\nids = 1\nvideo = "nowhere.mp4"\n', "cameras[1].video: no such file"),
        ("[fleet]\nx = 1\n", "s.toml: fleet: unknown section"),
    ],
)
def test_mistakes_are_named(text: str, expected: str) -> None:
    assert any(expected in p for p in problems(text)), problems(text)


def test_unreadable_video_names_line_and_field(tmp_path: Path) -> None:
    (tmp_path / "broken.mp4").write_bytes(b"not a video at all")
    text = '[[cameras]]\nids = 1\n\n[[cameras]]\nids = 2\nvideo = "broken.mp4"\n'
    with pytest.raises(InputError) as err:
        parse_scenario(text, tmp_path / "s.toml")
    (problem,) = err.value.problems
    assert str(problem).startswith(
        f"{tmp_path / 's.toml'}:4: cameras[2].video: cannot read {tmp_path / 'broken.mp4'}"
    )


def test_cameras_beyond_the_fleet() -> None:
    s = parse_scenario('[[events]]\nat = 1\ncameras = 50\nset = "blur"\n', Path("s.toml"))
    with pytest.raises(InputError) as err:
        s.check_cameras(10)
    assert "events[1]: camera 50 does not exist (1..10)" in str(err.value.problems[0])


def test_parse_ids() -> None:
    assert parse_ids("1-3, 7") == (1, 2, 3, 7)
    assert parse_ids([2, "4-5"]) == (2, 4, 5)
    with pytest.raises(ValueError, match="ids start at 1"):
        parse_ids(0)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.toml"):
        load_scenario(tmp_path / "missing.toml")


def test_cli_check_reports_problem_and_exit_code(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[events]]\nat = 5\ncameras = 3\nset = "foggy"\n')
    result = subprocess.run(
        [sys.executable, "-m", "qarauyl", "sim", "check", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"{bad}:1: events[1].set: unknown fault 'foggy'" in result.stderr
    good = tmp_path / "good.toml"
    good.write_text(GOOD)
    result = subprocess.run(
        [sys.executable, "-m", "qarauyl", "sim", "check", str(good)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and "t=60s cameras 17,18: set blur (0.6)" in result.stdout
