"""Where a run's results came from: the scenario file as the project names it, the code's git
commit, and when.

A results folder travels (mailed, archived, attached to a decision), so its manifest names the
scenario by its path inside its project (``scenarios/chongqing_2022_target.yaml``), never by
the absolute path of the machine that ran it, and records the commit of the hubsim code that
ran (with ``git_dirty`` when that checkout had uncommitted changes) and the time in UTC. A
bundled scenario of an installed hubsim is named ``scenarios/<file>`` too (the repository's
``scenarios/`` is the same folder), and :func:`resolve_scenario_file` finds it again.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["git_commit", "project_relative", "provenance", "resolve_scenario_file"]


def _repo_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``.git`` (a folder or a worktree's
    file)."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _bundled_folder() -> Path | None:
    from hubsim.errors import ScenarioError
    from hubsim.scenario.resources import scenario_folder

    try:
        return scenario_folder().resolve()
    except ScenarioError:
        return None


def project_relative(path: str | Path, cwd: Path | None = None) -> str:
    """``path`` as the project names it, with ``/`` separators.

    Relative to the git work tree holding it; else a bundled scenario as
    ``scenarios/<file>``; else relative to ``cwd`` (default: the working folder) when below
    it; else the file name alone (an absolute path of this machine is never returned).

    >>> project_relative("/nowhere/x.yaml", cwd=Path("/elsewhere"))
    'x.yaml'
    """
    p = Path(path).absolute()
    root = _repo_root(p.parent)
    if root is not None:
        return p.relative_to(root).as_posix()
    bundled = _bundled_folder()
    if bundled is not None and p.resolve().parent == bundled:
        return f"scenarios/{p.name}"
    base = (cwd or Path.cwd()).absolute()
    if p.is_relative_to(base):
        return p.relative_to(base).as_posix()
    return p.name


def resolve_scenario_file(recorded: str, cwd: Path | None = None) -> Path | None:
    """The file a manifest's ``scenario_file`` names, found from here: as a path from ``cwd``
    (an absolute path written by an older hubsim as is), else a bundled scenario; None when
    neither exists."""
    p = Path(recorded)
    candidate = p if p.is_absolute() else (cwd or Path.cwd()) / p
    if candidate.is_file():
        return candidate
    bundled = _bundled_folder()
    if bundled is not None and p.parent.as_posix() == "scenarios" \
            and (bundled / p.name).is_file():
        return bundled / p.name
    return None


def _git(folder: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def git_commit(folder: Path | None = None) -> tuple[str | None, bool | None]:
    """``(commit, dirty)`` of the git checkout holding ``folder`` (default: hubsim's own
    code); ``(None, None)`` outside one or without git."""
    if folder is None:
        folder = Path(__file__).resolve().parent
    root = _repo_root(folder)
    if root is None:
        return None, None
    commit = _git(root, "rev-parse", "HEAD")
    if commit is None:
        return None, None
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    return commit, (bool(status) if status is not None else None)


def provenance(scenario_file: str | None, now: datetime | None = None) -> dict[str, object]:
    """The manifest's provenance entries: ``scenario_file`` (project-relative),
    ``created_utc`` (ISO 8601) and, when hubsim runs from a git checkout, ``git_commit`` and
    ``git_dirty``."""
    out: dict[str, object] = {
        "scenario_file": project_relative(scenario_file) if scenario_file else None,
        "created_utc": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
    }
    commit, dirty = git_commit()
    if commit is not None:
        out["git_commit"] = commit
        out["git_dirty"] = dirty
    return out
