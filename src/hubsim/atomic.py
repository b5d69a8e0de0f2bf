"""Safe output: check an output place before any work, publish files and folders without
ever replacing anything, and clean up what killed runs left.

Everything hubsim writes is first written under a temporary name in the destination's folder,
``.hubsim-tmp-<name>-<pid>-<host>-<random>`` (``<host>``: six hex digits of a hash of the host
name), and then published under its final name:

* :func:`publish` never replaces an existing file or folder. On Linux it is one
  ``renameat2(RENAME_NOREPLACE)`` system call: the final name appears atomically, whole, or the
  call fails with :class:`~hubsim.errors.OutputExistsError` and nothing is touched. Where that
  call is missing or the file system does not support it, the final name is first claimed
  atomically (``mkdir`` of an empty folder, or ``open(O_CREAT | O_EXCL)`` of an empty file) and
  the temporary one is then renamed over that claim, which only ever replaces the empty folder
  or file this process just created; a crash between the two steps can leave that empty claim.
* :func:`clean_stale` removes the temporary files and folders in one folder whose owner process
  (same host) is gone; it never touches any other name, nor a temporary of a live process.
* :func:`check_output_place` says before any simulation whether a folder can be created (or
  written) at a path: a file in the way, a pseudo-file system (``/proc``, ``/sys``), a
  read-only file system or a missing permission each give one :class:`~hubsim.errors.OutputError`
  line naming the path.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hubsim.errors import OutputError, OutputExistsError

__all__ = ["STOPS", "TEMP_PREFIX", "atomic_write", "check_output_place", "clean_stale",
           "interrupts_held", "publish", "temp_path"]

#: The start of every temporary name hubsim creates (and the only names it ever cleans).
TEMP_PREFIX = ".hubsim-tmp-"

_HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]
_TEMP_RE = re.compile(re.escape(TEMP_PREFIX) + r".*-(\d+)-([0-9a-f]{6})-[0-9a-f]{8}")

#: The signals that stop the command (:mod:`hubsim.cli.main`): Ctrl-C, SIGTERM and SIGALRM,
#: with which the command delivers a Ctrl-C or SIGTERM that came during an import once the
#: import is done. A block that must not be cut short holds all three back
#: (:func:`interrupts_held`).
STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)

#: File systems that hold no files of ours (the kernel's views and controls).
PSEUDO_FILESYSTEMS = frozenset({
    "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts",
    "efivarfs", "fusectl", "hugetlbfs", "mqueue", "nsfs", "proc", "pstore", "rpc_pipefs",
    "securityfs", "selinuxfs", "sysfs", "tracefs"})


def temp_path(final: str | Path) -> Path:
    """A fresh temporary name beside ``final``, recognisable by :func:`clean_stale`."""
    final = Path(final)
    return final.parent / (f"{TEMP_PREFIX}{final.name[:80]}-{os.getpid()}-{_HOST}-"
                           f"{secrets.token_hex(4)}")


# --------------------------------------------------------------------------- publishing
_RENAME_NOREPLACE = 1
_AT_FDCWD = -100


def _load_renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):  # no libc found, or glibc < 2.28
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_renameat2 = _load_renameat2()


def _rename_noreplace(src: Path, dst: Path) -> bool:
    """``renameat2(src, dst, RENAME_NOREPLACE)``: True when done, False when unsupported."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst),
                  _RENAME_NOREPLACE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # this file system cannot do it: claim the name first instead
    raise OSError(err, os.strerror(err), str(dst))


def publish(tmp: str | Path, final: str | Path) -> None:
    """Give the finished file or folder ``tmp`` the name ``final``, never replacing anything.

    Raises
    ------
    OutputExistsError
        ``final`` exists (also when another process created it a moment ago); ``tmp`` is left
        as it is, for the caller to remove.
    """
    tmp, final = Path(tmp), Path(final)
    try:
        if _rename_noreplace(tmp, final):
            return
        if tmp.is_dir():
            os.mkdir(final)  # claim the name; the rename below replaces only this empty folder
        else:
            os.close(os.open(final, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    except FileExistsError as exc:
        raise OutputExistsError(f"{final}: already exists; results are never overwritten") \
            from exc
    try:
        os.replace(tmp, final)
    except BaseException:
        _remove(final)  # our empty claim (a folder someone wrote into stays: rmdir fails)
        raise


def atomic_write(path: str | Path, write: Callable[[Path], None], replace: bool = False,
                 clean: bool = True) -> Path:
    """Call ``write(tmp)`` to write a temporary file beside ``path``, then publish it as
    ``path``: a reader sees the whole file or none. With ``replace`` an existing ``path`` is
    replaced (atomically); without, an existing ``path`` gives :class:`OutputExistsError`.
    With ``clean``, stale temporary files of dead processes in that folder are removed first.
    The temporary file is removed on any error (or Ctrl-C)."""
    path = Path(path)
    if clean:
        clean_stale(path.parent)
    tmp = temp_path(path)
    try:
        write(tmp)
        if replace:
            os.replace(tmp, path)
        else:
            publish(tmp, path)
    except BaseException:
        _remove(tmp)
        raise
    return path


# --------------------------------------------------------------------------- cleaning up
def _alive(pid: int) -> bool:
    if pid <= 0:
        return True  # never a real owner: keep
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, someone else's
        return True
    return True


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def clean_stale(folder: str | Path) -> list[Path]:
    """Remove the temporary files and folders in ``folder`` (not below it) left by hubsim
    processes of this host that are gone; return what was removed. Names that are not
    hubsim's temporary names, and temporaries of live processes, are never touched; errors
    are ignored (cleaning is a courtesy, never a reason to fail)."""
    if os.name != "posix":
        return []
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        m = _TEMP_RE.fullmatch(entry.name)
        if m is None or m.group(2) != _HOST:
            continue
        pid = int(m.group(1))
        if pid == os.getpid() or _alive(pid):
            continue
        _remove(Path(entry.path))
        removed.append(Path(entry.path))
    return removed


# --------------------------------------------------------------------------- checking first
def _mount_of(path: Path) -> tuple[str, str] | None:
    """(mount point, file system type) of ``path`` from ``/proc/self/mountinfo``, or None."""
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return None
    real = os.path.realpath(path)
    best: tuple[str, str] | None = None
    for line in lines:
        left, _, right = line.partition(" - ")
        fields = left.split()
        if len(fields) < 5 or not right:
            continue
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best[0])):
            best = (point, right.split()[0])
    return best


@contextmanager
def interrupts_held(*signals: int) -> Iterator[None]:
    """Hold SIGINT (Ctrl-C), or the given ``signals``, back inside the block and deliver them
    right after, each as its handler of before the block would have taken it (the first to
    come first; a signal that was ignored stays ignored).

    A Python-level handler, not a signal mask: a mask is per thread, and with other threads
    alive (a process pool's, BLAS's) the kernel hands the signal to a thread that does not
    block it, while Python runs every signal handler in the main thread; threads and processes
    started inside a masked block would also keep the mask. Outside the main thread (where
    handlers cannot be set) the block runs unprotected, and a signal whose handler was set
    from C (which Python could not put back) is not held. A process forked inside the block
    starts with the holding handlers, and keeps what they catch, until it sets its own (as
    the dask workers forked while hubsim's cluster starts do first of all)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous: dict[int, Any] = {}
    try:
        for sig in signals or (signal.SIGINT,):
            if signal.getsignal(sig) is None:  # a handler set from C: Python cannot put it back
                continue
            previous[sig] = signal.signal(sig, lambda signum, frame: caught.append(signum))
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in dict.fromkeys(caught):  # each once, in the order they came
            handler = previous[sig]
            if callable(handler):
                handler(sig, None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), sig)


def check_output_place(path: str | Path, exist_ok: bool = False) -> None:
    """Raise :class:`OutputError` (one line naming ``path``) unless hubsim can create the
    folder ``path`` (its missing parents included) and write into it; with ``exist_ok`` an
    existing folder ``path`` is fine (it is written into), without it an existing ``path``
    gives :class:`OutputExistsError`. Meant to be called before any simulation.

    The place is tried: a temporary folder with one file in it is created and removed in the
    nearest folder that exists, with the command's stops (:data:`STOPS`, SIGALRM included)
    held back meanwhile."""
    path = Path(path)
    if os.path.lexists(path) and not (exist_ok and path.is_dir()):
        if not exist_ok:
            raise OutputExistsError(f"{path}: already exists; results are never overwritten")
        raise OutputError(f"{path}: is not a folder")
    near = path
    while not os.path.lexists(near) and near != near.parent:
        near = near.parent
    if not near.is_dir():
        raise OutputError(f"{path}: cannot create: {near} is a file, not a folder")
    mount = _mount_of(near)
    if mount is not None and mount[1] in PSEUDO_FILESYSTEMS:
        raise OutputError(f"{path}: cannot create: {mount[0]} is a {mount[1]} pseudo-file "
                          "system, not a place for files")
    where = "cannot write into it" if near == path else f"cannot create it in {near}"
    probe = temp_path(near / "probe")
    # the command's stops are held back while the probe exists and delivered right after it
    # is removed, so a stop never leaves it behind: raised inside the removal (shutil.rmtree
    # is Python), it would cut the removal short
    with interrupts_held(*STOPS):
        try:
            try:
                os.mkdir(probe)
                os.close(os.open(probe / "probe", os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                                 0o644))
            finally:
                _remove(probe)
        except OSError as exc:
            raise OutputError(f"{path}: {where}: {exc.strerror or exc}") from exc
