"""Tasks for the background tests: importable by a real worker process (tests is a package
on the project's path)."""

import os
import time

from django.tasks import task


@task
def note_attempt(path: str, hold_first: float = 0.0) -> int:
    """Append a line to `path` per attempt; the first attempt holds `hold_first` seconds
    (long enough to kill its worker) before it ends. The attempt number is the result."""
    with open(path, "a") as marks:
        marks.write(f"{os.getpid()}\n")
    with open(path) as marks:
        attempt = len(marks.read().splitlines())
    if attempt == 1 and hold_first:
        time.sleep(hold_first)
    return attempt


@task
def fails() -> None:
    raise ValueError("The tape's file was not found.")
