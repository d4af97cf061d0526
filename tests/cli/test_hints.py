"""The command line's one-line usage errors point at the right --help."""

from __future__ import annotations

import subprocess
import sys


def run(*args):
    return subprocess.run([sys.executable, "-m", "mobility", *args], capture_output=True, text=True)


def test_help_hints_name_the_command_once():
    top = run()
    assert top.returncode == 2 and "`python -m mobility --help`" in top.stderr
    assert "mobility mobility" not in top.stderr
    sub = run("variants", "run", "--jobs", "x")
    assert sub.returncode == 2 and "`python -m mobility variants run --help`" in sub.stderr
    assert sub.stderr.count("\n") == 1
