"""Points, runs and their names: parameter grids, ``--set`` specs, replication seeds.

A *point* is a set of parameter changes, ``((path, value), ...)`` (applied with
:func:`hubsim.apply_changes`); a *run* is one replication of one point. Replication ``i`` gets
the seed ``replication_seed(base_seed, i)``, derived from ``SeedSequence(base_seed)``'s
``i``-th child, so it depends neither on the executor nor on the order runs finish in, and every
point uses the same replication seeds (common random numbers).

>>> replication_seed(7, 0) == replication_seed(7, 0) != replication_seed(7, 1)
True
>>> run_id((), 3)
'base-r0003'
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hubsim.errors import ScenarioError
from hubsim.scenario.paths import scenario_data
from hubsim.scenario.schema import Scenario

__all__ = ["Changes", "grid", "parse_set", "plain", "point_key", "replication_seed", "run_id",
           "scenario_digest"]

#: one point: parameter changes as ``((path, value), ...)``, hashable and ordered
Changes = tuple[tuple[str, Any], ...]


def replication_seed(base_seed: int, replication: int) -> int:
    """Seed of replication ``replication``: the base seed itself for replication 0 (so the
    first replication is the run ``simulate(scenario, seed=base_seed)`` makes, the draw whose
    event log ``hubsim run`` writes), and for replication ``i >= 1`` child ``i`` of
    ``SeedSequence(base_seed)`` reduced to one 32-bit integer (the same whatever the number of
    replications, executor or finishing order)."""
    if int(replication) == 0:
        return int(base_seed)
    ss = np.random.SeedSequence(int(base_seed), spawn_key=(int(replication),))
    return int(ss.generate_state(1, dtype=np.uint32)[0])


def point_key(changes: Changes) -> str:
    """A short stable name for a point: ``base`` for no change, else a hash of the changes."""
    if not changes:
        return "base"
    text = json.dumps([[p, v] for p, v in changes], sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def run_id(changes: Changes, replication: int) -> str:
    """The name of one run (its file name in ``runs/``): ``<point key>-r<replication>``."""
    return f"{point_key(changes)}-r{replication:04d}"


def scenario_digest(scn: Scenario) -> str:
    """sha256 of the scenario's content (not its file), so in-memory scenarios work too."""
    text = json.dumps(scenario_data(scn), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def grid(parameters: Mapping[str, Sequence[Any]]) -> list[Changes]:
    """Every combination of the parameters' values (the first parameter varies slowest)."""
    names = list(parameters)
    return [tuple(zip(names, combo, strict=True))
            for combo in itertools.product(*(list(parameters[n]) for n in names))]


def plain(value: Any) -> Any:
    """A numpy scalar as the Python number it holds (for JSON); anything else unchanged."""
    return value.item() if hasattr(value, "item") else value


# --------------------------------------------------------------------------- --set
_RANGE = re.compile(r"^(x?)(-?[0-9.eE+-]+):(-?[0-9.eE+-]+)(?::([0-9.eE+-]+))?$")


def _value(text: str) -> Any:
    text = text.strip()
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def parse_set(spec: str) -> tuple[str, list[Any]]:
    """``PATH=VALUES`` of ``--set``: a list ``2,3,4``, a range ``2:6`` (step 1) or
    ``10:20:2`` (both ends included when the step lands on them), scales ``x0.8,x1.2`` or a
    scale range ``x0.8:1.2:0.1``.

    Raises :class:`~hubsim.errors.ScenarioError` (a ``ValueError``) naming the spec.

    >>> parse_set("hubs.port.equipment=2:4")
    ('hubs.port.equipment', [2, 3, 4])
    >>> parse_set("services.cre.per_week=x0.5:1:0.25")
    ('services.cre.per_week', ['x0.5', 'x0.75', 'x1'])
    """
    path, sep, values = spec.partition("=")
    path = path.strip()
    if not sep or not path or not values.strip():
        raise ScenarioError(f"--set {spec!r}: write PATH=VALUES, e.g. "
                            "hubs.guoyuan.equipment=4,6,8")
    m = _RANGE.match(values.strip())
    if m:
        return path, _range(spec, *m.groups())
    out = [_value(v) for v in values.split(",") if v.strip()]
    if not out:
        raise ScenarioError(f"--set {spec!r}: no values")
    return path, out


def _range(spec: str, scale: str, lo_t: str, hi_t: str, step_t: str | None) -> list[Any]:
    try:
        lo, hi = float(lo_t), float(hi_t)
        step = float(step_t) if step_t else 1.0
    except ValueError:
        raise ScenarioError(f"--set {spec!r}: bad range (write LOW:HIGH or "
                            "LOW:HIGH:STEP)") from None
    if step <= 0 or hi < lo:
        raise ScenarioError(f"--set {spec!r}: a range needs LOW <= HIGH and STEP > 0")
    n = math.floor((hi - lo) / step + 1e-9) + 1
    if n > 10_000:
        raise ScenarioError(f"--set {spec!r}: {n} values; at most 10000")
    nums = [round(lo + i * step, 12) for i in range(n)]
    if scale:
        return [f"x{x:g}" for x in nums]
    whole = all(float(x).is_integer() for x in (lo, step))
    return [int(x) if whole else x for x in nums]
