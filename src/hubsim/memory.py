"""Give large freed blocks back to the operating system at once (glibc only).

The analysis of a year's event log (1.8 million rows) makes temporary arrays of a few to a few
tens of MB, one after another. glibc's allocator raises its threshold for serving a request from
its own heap instead of a fresh memory map each time such a block is freed (up to 32 MB), so
later temporaries land on a heap it rarely gives back: the process keeps growing by the sum of
temporaries that are long gone (measured: ``hubsim run`` on the 2022 scenario held about 130 MB
more after building the queue table than the table itself needed). Fixing the threshold at 2 MiB
serves every large block (a column of the event log is 7-14 MB) from its own map, returned the
moment it is freed, while smaller ones are reused from the heap. The threshold is a trade
between memory and page faults: each new map is faulted in page by page. Measured on a year of
the 2022 scenario (simulate, then the KPI table, verdict and bottlenecks; two runs each): at 256
KiB, peak RSS 399-400 MB, ~750,000 page faults, 4.3-4.9 s for those tables; at 2 MiB, 399-403
MB, ~300,000-370,000 faults, 3.7-3.8 s; at glibc's own sliding threshold, 421-426 MB, ~160,000
faults, 3.2-3.4 s. On two cores the faults of two workers slow each other down: 4 replications
on a 2-process pool took 29.9 s at 256 KiB and 24.3 s at 2 MiB (47-49 s serially in both). Arrow
(pandas' string columns) keeps freed blocks in its own jemalloc pool the same way (measured:
about 60 MB after the KPI table); its system pool (``ARROW_DEFAULT_MEMORY_POOL=system``, set
before pyarrow is first imported, unless the user set it) uses the same allocator as the rest.
Neither changes a result. Both are set by the command line (:func:`hubsim.cli.main.main`) and in
the worker processes hubsim starts itself (:class:`hubsim.experiments.executors.
ProcessExecutor`'s, and those of the dask ``LocalCluster`` it starts), never in a process that
merely imports hubsim: a library does not change the allocator of its host.
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["MMAP_THRESHOLD", "applied", "release_freed", "return_freed_memory"]

#: Blocks of this size and larger get their own memory map (glibc ``M_MMAP_THRESHOLD``).
MMAP_THRESHOLD = 2 * 1024 * 1024
_M_MMAP_THRESHOLD = -3  # glibc's <malloc.h>

#: True once :func:`return_freed_memory` has set the threshold in this process.
applied = False


def return_freed_memory() -> bool:
    """Use Arrow's system memory pool and set glibc's ``M_MMAP_THRESHOLD`` to
    :data:`MMAP_THRESHOLD`; False where there is no glibc (macOS, Windows, musl), where the
    threshold stays as it is."""
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")  # inherited by workers
    global applied
    libc = _glibc()
    if libc is None:
        return False
    applied = bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    return applied


def release_freed() -> bool:
    """Give the pages of freed blocks inside the heap back to the system now (glibc's
    ``malloc_trim``); True if some were given back, False if none were or where there is no
    glibc.

    Freeing a table whose blocks were smaller than :data:`MMAP_THRESHOLD` (strings, the
    per-consignment emission tables) leaves their pages in the middle of the heap, resident
    until reused: measured after freeing a year's emission tables, 25 MB. Changes no setting
    of the allocator, only returns what is already free; :meth:`hubsim.api.Results.
    free_records` calls it.
    """
    libc = _glibc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


def _glibc() -> Any:
    """glibc with ``mallopt`` and ``malloc_trim``, or None (macOS, Windows, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018  (AttributeError where they are missing)
    except (OSError, AttributeError):
        return None
    return libc
