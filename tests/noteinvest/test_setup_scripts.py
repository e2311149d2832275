"""The setup scripts the Makefile relies on: finding Python, checking system libraries."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(args, **env):
    return subprocess.run(
        args, cwd=ROOT, capture_output=True, text=True, timeout=60, env={**os.environ, **env}
    )


def test_find_python_names_a_312_or_newer_interpreter():
    result = run(["sh", "bin/find-python"])
    assert result.returncode == 0, result.stderr
    version = run(
        [result.stdout.strip(), "-c", "import sys; print(sys.version_info[:2] >= (3, 12))"]
    )
    assert version.stdout.strip() == "True"


def test_find_python_explains_when_there_is_none(tmp_path):
    result = run(["/bin/sh", "bin/find-python"], PATH=str(tmp_path), PYENV_ROOT=str(tmp_path),
                 HOME=str(tmp_path), PYTHON="")  # fmt: skip
    assert result.returncode == 1
    assert "needs Python 3.12 or newer" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_check_system_names_a_missing_chromium_in_one_line():
    result = run(
        [sys.executable, "bin/check-system", "--browser"],
        CHROMIUM_PATH="/nonexistent/chromium",
        NOTEINVEST_NO_APT="1",  # a test never runs apt-get for real
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "apt-get install chromium" in lines[0]


def test_check_system_passes_here():
    assert run([sys.executable, "bin/check-system"], NOTEINVEST_NO_APT="1").returncode == 0
