"""The image installs the project as a wheel: every migration, template and asset must be in it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = ("*.sql", "*.j2", "*.html", "*.css")


def test_the_wheel_carries_every_migration_template_and_asset(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("*.whl")
    packaged = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        str(path.relative_to(REPO))
        for top in ("shared", "services")
        for pattern in DATA
        for path in (REPO / top).rglob(pattern)
    }
    assert expected, "no data files found: the test would prove nothing"
    assert sorted(expected - packaged) == []
