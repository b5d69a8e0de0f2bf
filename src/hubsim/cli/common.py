"""What every command handler shares: the default scenario, the one-line-error parser, the
checks of options several commands take, and output errors as one line naming the path.

Every number option is read by one of the argparse ``type=`` functions here (:func:`days`,
:func:`seed`, :func:`count`, :func:`share`, :func:`finite`, :func:`positive`), so a value that is
not finite or out of range stops the command while its arguments are parsed: before a scenario
is read, anything is simulated or any folder is created. The error is one line naming the
option, exit status 2::

    hubsim: error: --days: must be a finite number of days in (0, 36500], got 'inf'
"""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn, TextIO

from hubsim.atomic import check_output_place
from hubsim.errors import HubsimError, HubsimWarning, OutputError

__all__ = ["DEFAULT_SCENARIO", "MAX_REPLICATIONS", "MAX_WORKERS", "Parser", "check_new_folder",
           "count", "days", "default_scenario", "finite", "free_folder", "output_errors",
           "positive", "seed", "share", "tolerance", "warning_lines"]

#: The scenario ``hubsim run`` simulates when none is given.
DEFAULT_SCENARIO = "chongqing_2022_target.yaml"


def default_scenario() -> Path:
    """The bundled default scenario file."""
    from hubsim.scenario.loader import bundled_scenario

    return bundled_scenario(DEFAULT_SCENARIO)


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit 2 (argparse's convention).

    A bad value of an option (argparse's ``argument --days: ...``) reads like every other bad
    input, ``hubsim: error: --days: ...``; other usage errors keep argparse's wording.
    """

    def error(self, message: str) -> NoReturn:
        if message.startswith("argument "):
            self.exit(2, f"hubsim: error: {message[len('argument '):]} "
                         f"(see {self.prog} --help)\n")
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


# --------------------------------------------------------------------------- number options
#: Most replications (per point) an experiment may ask for: far more than any confidence
#: interval needs (the half-width shrinks with the square root), and each run is a file.
MAX_REPLICATIONS = 10_000
#: Most worker processes: more than any one machine has cores.
MAX_WORKERS = 1024


def _echo(text: str) -> str:
    """The value as typed, quoted and cut to 80 characters (never a whole pasted file)."""
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _float(text: str, expected: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{expected}, got {_echo(text)}")
    return value


def days(text: str) -> float:
    """``--days``: measured days, a finite number in (0, 36500] (see
    :func:`hubsim.scenario.limits.days_problem`)."""
    from hubsim.scenario.limits import MAX_DAYS, days_problem

    expected = f"must be a finite number of days in (0, {MAX_DAYS:g}]"
    value = _float(text, expected)
    if days_problem(value) is not None:
        raise argparse.ArgumentTypeError(f"{expected}, got {_echo(text)}")
    return value


def seed(text: str) -> int:
    """``--seed``, ``--seeds``: a whole number in [0, 2**63 - 1]."""
    from hubsim.scenario.limits import MAX_SEED, seed_problem

    try:
        value = int(text)
    except ValueError:
        value = -1
    if seed_problem(value) is not None:
        raise argparse.ArgumentTypeError(f"must be a whole number in [0, {MAX_SEED}], "
                                         f"got {_echo(text)}")
    return value


def count(high: int) -> Callable[[str], int]:
    """A whole number in [1, high]: ``--replications``, ``--workers``, ``--jobs``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if not 1 <= value <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number in [1, {high}], "
                                             f"got {_echo(text)}")
        return value
    parse.__name__ = "count"
    return parse


def share(text: str) -> float:
    """A share in (0, 1]: ``--probability``, ``--precision``."""
    value = _float(text, "must be a number in (0, 1]")
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be a number in (0, 1], got {_echo(text)}")
    return value


def tolerance(text: str) -> float:
    """A relative tolerance in (0, 1): ``--tol``."""
    value = _float(text, "must be a number in (0, 1)")
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be a number in (0, 1), got {_echo(text)}")
    return value


def finite(text: str) -> float:
    """Any finite number: ``--low``, ``--high``."""
    return _float(text, "must be a finite number")


def positive(text: str) -> float:
    """A finite number above 0: ``--step``."""
    value = _float(text, "must be a finite number > 0")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {_echo(text)}")
    return value


def check_new_folder(out: Path | None, exist_ok: bool = False) -> None:
    """Before anything is simulated: refuse an ``--out`` that exists (OutputExistsError; with
    ``exist_ok`` an existing folder is fine) or that cannot be created and written into
    (OutputError naming the path: a file in the way, a read-only or pseudo-file system, no
    permission); without ``--out`` the default ``results/`` must be writable. See
    :func:`hubsim.atomic.check_output_place`."""
    if out is None:
        check_output_place(Path("results"), exist_ok=True)
    else:
        check_output_place(out, exist_ok=exist_ok)


def free_folder(make: Callable[[str], Path], stamp: str) -> Path:
    """``make(stamp)``, or ``make(stamp-2)``, ``make(stamp-3)``, ... the first that is free."""
    folder, n = make(stamp), 1
    while folder.exists():
        n += 1
        folder = make(f"{stamp}-{n}")
    return folder


@contextmanager
def warning_lines() -> Iterator[None]:
    """Show each :class:`~hubsim.errors.HubsimWarning` raised inside as one line on standard
    error, ``hubsim: warning: <file>: <field>: <what>`` (also under a test run's
    ``filterwarnings = error``); other warnings keep Python's handling.

    A finding is shown once: an overlay and its parent, or the points of a sweep, rebuild the
    same scenario and find the same window again, only the file name differs.
    """
    seen: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("always", HubsimWarning)
        shown = warnings.showwarning

        def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: TextIO | None = None, line: str | None = None) -> None:
            if issubclass(category, HubsimWarning):
                finding = str(message).partition(": ")[2]  # (without the file)
                if finding not in seen:
                    seen.add(finding)
                    print(f"hubsim: warning: {message}", file=sys.stderr, flush=True)
            else:
                shown(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


@contextmanager
def output_errors(folder: Path) -> Iterator[None]:
    """Turn an ``OSError`` while writing into ``folder`` (results, golden files) into one
    :class:`OutputError` line that names the path (a full disk, no permission, a file where
    a folder should be)."""
    try:
        yield
    except HubsimError:  # OutputExistsError is an OSError too: keep its message
        raise
    except OSError as exc:
        raise OutputError(f"{exc.filename or folder}: cannot write: {exc.strerror or exc}") \
            from exc
