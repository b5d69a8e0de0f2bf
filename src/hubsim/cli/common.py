"""What every command handler shares: the default scenario, the one-line-error parser, the
checks of options several commands take, and output errors as one line naming the path."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from hubsim.errors import (
    ExperimentError,
    HubsimError,
    OutputError,
    OutputExistsError,
    ScenarioError,
)
from hubsim.scenario.loader import bundled_scenario

__all__ = ["DEFAULT_SCENARIO", "Parser", "check_new_folder", "check_run_options",
           "default_scenario", "free_folder", "output_errors"]

#: The scenario ``hubsim run`` simulates when none is given.
DEFAULT_SCENARIO = "chongqing_2022_target.yaml"


def default_scenario() -> Path:
    """The bundled default scenario file."""
    return bundled_scenario(DEFAULT_SCENARIO)


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit 2 (argparse's convention)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def check_run_options(args: argparse.Namespace) -> None:
    """``--seed``, ``--days`` and ``--replications`` where a command has them: ScenarioError or
    ExperimentError naming the option."""
    if getattr(args, "seed", None) is not None and args.seed < 0:
        raise ScenarioError(f"--seed must be >= 0, got {args.seed}")
    if getattr(args, "days", None) is not None and not args.days > 0:
        raise ScenarioError(f"--days must be > 0, got {args.days:g}")
    if getattr(args, "replications", None) is not None and args.replications < 1:
        raise ExperimentError(f"--replications must be >= 1, got {args.replications}")


def check_new_folder(out: Path | None) -> None:
    """Refuse an ``--out`` that exists before anything is simulated (OutputExistsError)."""
    if out is not None and out.exists():
        raise OutputExistsError(f"{out}: already exists; results are never overwritten")


def free_folder(make: Callable[[str], Path], stamp: str) -> Path:
    """``make(stamp)``, or ``make(stamp-2)``, ``make(stamp-3)``, ... the first that is free."""
    folder, n = make(stamp), 1
    while folder.exists():
        n += 1
        folder = make(f"{stamp}-{n}")
    return folder


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
