"""Simulation layer: simulate one replication of a scenario and emit flat records.

``network`` (graph and routes), ``engine`` (builds a run and puts it on the clock) with one part
per module: ``demand`` (arrival processes), ``cargo`` (consignments and the ledger), ``hubs``
(equipment and yard), ``services`` (scheduled departures and vehicles), ``trucks`` (on-demand
services), ``travel`` (links, outages, locks), ``flow`` (a consignment from node to node),
``state`` (the network state the ``timeline`` of disruptions and investments changes),
``context`` (what the parts share); ``streams`` (named random streams), ``slots`` (the counting
resource), ``records`` (the event, consignment and trip tables).
"""

from __future__ import annotations

import os
import warnings
from importlib.machinery import EXTENSION_SUFFIXES

__all__ = ["compiled"]


def compiled() -> list[str]:
    """The modules of ``hubsim.sim`` that run compiled (mypyc, at install: ``setup.py``), by
    name; none when the engine runs as pure Python (no C compiler at install, or
    ``HUBSIM_PURE_PYTHON=1``). The results are the same either way."""
    import pkgutil
    from importlib.util import find_spec

    out = []
    for info in pkgutil.iter_modules(__path__):
        spec = find_spec(f"{__name__}.{info.name}")
        if spec is not None and str(spec.origin).endswith(tuple(EXTENSION_SUFFIXES)):
            out.append(info.name)
    return sorted(out)


def _edited_since_compiled(folder: str) -> list[str]:
    """The modules in ``folder`` whose source changed after their compiled extension was built
    (an editable install: Python loads the extension, so an edit to the source would not run)."""
    built: dict[str, float] = {}
    sources: dict[str, float] = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            for suffix in EXTENSION_SUFFIXES:  # the most specific first (".cpython-...so")
                if entry.name.endswith(suffix):
                    built[entry.name[:-len(suffix)]] = entry.stat().st_mtime
                    break  # (not also as "flow.cpython-311-..." under the plain ".so")
            if entry.name.endswith(".py"):
                sources[entry.name[:-3]] = entry.stat().st_mtime
    return sorted(name for name, t in built.items() if sources.get(name, 0.0) > t)


def _installed_editable() -> bool:
    """Whether hubsim runs from its source tree: installed editable (the ``direct_url.json``
    of its installed metadata says so, PEP 610), or not installed at all. An install from a
    wheel or a folder is not: its files are copied in one go, in no particular order, so a
    source may be a moment newer than its build without having been edited."""
    import json
    from importlib import metadata

    try:
        text = metadata.distribution("hubsim").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return True
    try:
        return bool(json.loads(text or "{}").get("dir_info", {}).get("editable", False))
    except (ValueError, AttributeError):  # unreadable: no warning rather than a wrong one
        return False


if (_edited := _edited_since_compiled(os.path.dirname(__file__))) and _installed_editable():
    warnings.warn(f"hubsim.sim: {', '.join(_edited)} changed after being compiled at install; the "
                  "compiled modules run, not the changes: install again (pip install -e .), or "
                  "with HUBSIM_PURE_PYTHON=1 to run the sources", stacklevel=2)
