"""The terminal progress bar: drawn on a terminal, silent otherwise, throttled, ETA."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from hubsim.present.progress import ProgressBar, Stage, day_progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_silent_when_not_a_terminal():
    out = io.StringIO()
    with ProgressBar(365, "run", "d", stream=out) as bar:
        for day in range(366):
            bar.update(day)
    assert out.getvalue() == ""


def test_silent_when_disabled_on_a_terminal():
    out = _Tty()
    with ProgressBar(10, stream=out, enabled=False) as bar:
        bar.update(5)
    assert out.getvalue() == ""


def test_draws_counts_percent_and_eta_on_a_terminal():
    out, clock = _Tty(), _Clock()
    bar = ProgressBar(200, "chongqing", "d", stream=out, clock=clock, min_interval_s=0.0)
    clock.t = 10.0
    bar.update(50, note="2 running")
    line = out.getvalue().split("\r")[-1]
    assert "chongqing [" in line and "50/200 d" in line and " 25%" in line
    assert "eta 30s" in line  # 10 s for a quarter: 30 s left
    assert "2 running" in line
    bar.close()
    assert out.getvalue().endswith("\n")
    bar.close()  # idempotent: no second newline
    assert out.getvalue().count("\n") == 1


def test_throttles_redraws_but_always_draws_the_final_state():
    out, clock = _Tty(), _Clock()
    bar = ProgressBar(1000, stream=out, clock=clock, min_interval_s=1.0)
    for day in range(1, 1001):
        clock.t = day * 0.001  # 1 s in total: at most two draws before close
        bar.update(day)
    bar.close()
    frames = [f for f in out.getvalue().split("\r") if f]
    assert len(frames) <= 3
    assert "1,000/1,000" in frames[-1] and "100%" in frames[-1]


def test_day_callback_feeds_the_bar_and_accepts_a_new_total():
    out = _Tty()
    bar = ProgressBar(0, "run", "d", stream=out, min_interval_s=0.0)
    cb = day_progress(bar)
    cb(30.0, 120.0)
    assert "30/120 d" in out.getvalue() and " 25%" in out.getvalue()


def test_day_callback_says_warm_up_then_measured_days():
    out = _Tty()
    bar = ProgressBar(0, "run", "simulated days", stream=out, min_interval_s=0.0)
    cb = day_progress(bar, warmup_days=30)
    cb(12.0, 90.0)
    assert out.getvalue().split("\r")[-1].endswith("warm-up 12/30\x1b[K")
    cb(35.0, 90.0)
    line = out.getvalue().split("\r")[-1]
    assert "35/90 simulated days" in line and "measured 5/60" in line


def test_stage_names_what_runs_and_how_long_it_took():
    out, clock = _Tty(), _Clock()
    stage = Stage(stream=out, clock=clock)
    stage.start("writing results")
    assert out.getvalue() == "\rwriting results ...\x1b[K"
    clock.t = 4.8
    stage.start("writing report")  # ends the stage before
    clock.t = 5.0
    stage.done()
    stage.done()  # nothing open: nothing drawn
    assert out.getvalue().split("\n") == [
        "\rwriting results ...\x1b[K\rwriting results ... done in 5s\x1b[K",
        "\rwriting report ...\x1b[K\rwriting report ... done in 0.2s\x1b[K", ""]
    stage.start("failing")
    stage.stop()
    assert out.getvalue().endswith("\rfailing ...\x1b[K\n")
    quiet = io.StringIO()
    Stage(stream=quiet).start("x")
    assert quiet.getvalue() == ""


def _run_cli_with_terminal_stderr(tiny: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    """Run ``hubsim run`` with standard error on a pseudo-terminal; return code, stdout and
    what the terminal received."""
    import os
    import pty
    import subprocess
    import sys

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "hubsim.cli", "run", str(tiny),
        "--days",
                                 "5", "--out", str(out), *extra], stdout=subprocess.PIPE,
                                stderr=slave, text=True,
                                env={**os.environ, "MPLBACKEND": "Agg"})
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        stdout, _ = proc.communicate(timeout=120)  # closes the pipe
    finally:
        os.close(master)
    return proc.returncode, stdout, b"".join(chunks).decode(errors="replace")


@pytest.mark.slow  # two hubsim processes, one on a pseudo-terminal
def test_hubsim_run_draws_the_bar_on_a_terminal_only(tiny_path, tmp_path):
    code, stdout, tty = _run_cli_with_terminal_stderr(tiny_path, tmp_path / "a")
    assert code == 0
    frames = [f.strip() for f in tty.split("\r") if f.strip()]
    # replication 0's simulated days (10 warm-up + 5 measured), then, while the other
    # replications finish on the workers, a bar of runs
    done = [f for f in frames if f.startswith("tiny [####") and "100%" in f]
    assert done and "15/15 simulated days" in done[-1] and "measured 5/5" in done[-1]
    assert any("warm-up" in f for f in frames)  # the warm-up days said as such
    # the writing of the folder is a stage of its own, not minutes of silence
    assert any(f.startswith("writing results: tables, event log, figures ... done in")
               for f in frames), frames
    assert "simulated days" not in stdout and "Targets" in stdout  # the verdict stays clean

    code, stdout, tty = _run_cli_with_terminal_stderr(tiny_path, tmp_path / "b", "--quiet")
    assert code == 0 and tty == "" and stdout.strip() == str(tmp_path / "b")
