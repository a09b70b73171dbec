"""The output folder: checked before a run, locked during it, filled all at once at the end.

A run's files are written into a temporary folder *inside* the output folder
(``.landplan-tmp-…``, same file system, so moving a file into place is an atomic rename) and
moved into place only when every file is ready. Before they are moved, the files landplan
writes under those names (:data:`landplan.report.OUTPUT_FILES` for a check) that are left
from an earlier run are removed — other files in the folder are never touched — so the
folder holds the files of one run, never a mixture. The temporary folder is always removed,
also on errors and Ctrl-C.

An output may also be a folder of files (``maps/`` for a check: the per-unit maps), named in
the list with a trailing ``/``. landplan owns the files in it whose names it gives
(:data:`FOLDER_FILE`): an earlier run's are removed, the folder too when nothing else is left
in it, and the new folder is moved into place in one rename (file by file into a folder that
still holds other files, which are never touched).

While a run writes, it holds a lock on ``.landplan.lock`` in the output folder (an OS file
lock, released by the system if the process dies); a second run into the same folder stops
at once with an error instead of mixing its files with the first. The lock file is removed
at the end.

Before anything is written, :func:`output_folder` refuses an output folder that is a file,
and any input file that the run would replace or delete (an input named like an output
inside the output folder, or the output folder being an input file).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import OutputError

__all__ = ["FOLDER_FILE", "LOCK_NAME", "TMP_PREFIX", "Staging", "block_interrupt_in_thread",
           "clear_folder", "no_interrupt", "output_folder", "staged"]

LOCK_NAME = ".landplan.lock"
TMP_PREFIX = ".landplan-tmp-"
FOLDER_FILE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*-[0-9a-f]{8}(?:-[0-9]+)?\.html")
"""The names landplan gives the files of an output folder (``maps/<slug>-<8 hex digits>.html``,
``…-<part>.html``): only files so named are replaced or removed there."""
# SQLite files beside a GeoPackage: a left-over hot journal would be replayed into the new
# file when it is opened, so they go with the GeoPackage they belong to.
_SQLITE_SIDECARS = ("-journal", "-wal", "-shm")


def is_folder(name: str) -> bool:
    """Whether the output ``name`` is a folder of files (written with a trailing ``/``)."""
    return name.endswith("/")


def touched_names(names: Iterable[str]) -> tuple[str, ...]:
    """Every name in the output folder that writing ``names`` may replace or delete.

    A folder keeps its trailing ``/``: the files in it named like :data:`FOLDER_FILE`.
    """
    out = []
    for name in names:
        out.append(name)
        if name.lower().endswith(".gpkg"):
            out.extend(name + s for s in _SQLITE_SIDECARS)
    return (*out, LOCK_NAME)


# --------------------------------------------------------------------------- the checks


def _entry(path: Path) -> Path:
    """Return ``path`` with its folder resolved but not its last part.

    A symbolic link named like an output is itself what would be replaced.
    """
    path = Path(os.path.abspath(path))
    return path.parent.resolve() / path.name


def _same(a: Path, b: Path) -> bool:
    if os.path.normcase(str(_entry(a))) == os.path.normcase(str(_entry(b))):
        return True
    try:
        return os.path.samefile(a, b)  # hard links, case-insensitive file systems
    except OSError:
        return False


def check_output_folder(out: Path, names: Sequence[str],
                        inputs: Iterable[tuple[str, Path]] = ()) -> None:
    """Raise :class:`OutputError` when ``out`` cannot be the output folder of a run.

    The run writes ``names``; ``out`` cannot be its folder when it (or a folder above it) is
    a file, an output name in it is a folder, or an input (``(option, path)`` pairs) would be
    replaced or deleted by the run.
    """
    out = Path(out)
    inputs = [(option, Path(p)) for option, p in inputs if p is not None]
    for option, path in inputs:
        if _same(out, path) and path.is_file():
            raise OutputError.of("output.is_input", out=out, option=option,
                                 example=out.parent / "ket_qua")
    for place in (out, *out.parents):
        if place.exists() or place.is_symlink():
            if not place.is_dir():
                if place == out:
                    raise OutputError.of("output.is_file", out=out,
                                         example=out.parent / "ket_qua")
                raise OutputError.of("output.inside_file", out=out, place=place,
                                     example=out.parent / "ket_qua")
            break
    if not out.is_dir():
        return
    _check_inputs_kept(out, names, inputs)
    for name in names:
        place = out / name.rstrip("/")
        if is_folder(name) and place.exists() and not place.is_dir():
            raise OutputError.of("output.file_for_folder", place=place, out=out)
        if not is_folder(name) and place.is_dir() and not place.is_symlink():
            raise OutputError.of("output.folder_for_file", place=place, out=out)


def _check_inputs_kept(out: Path, names: Sequence[str],
                       inputs: list[tuple[str, Path]]) -> None:
    """Raise :class:`OutputError` when the run would replace or delete an input in ``out``.

    An input is at risk when it has the name of a file that writing ``names`` may replace or
    delete (:func:`touched_names`), or lies in a run's temporary folder there.
    """
    touched = touched_names(names)
    targets = [out / name for name in touched if not is_folder(name)]
    folders = [out / name.rstrip("/") for name in touched if is_folder(name)]
    for option, path in inputs:
        hit = next((t.name for t in targets if _same(t, path)), None)
        if hit is None and FOLDER_FILE.fullmatch(path.name):
            hit = next((f"{f.name}/{path.name}" for f in folders if _same(f, path.parent)),
                       None)
        if hit is None:
            try:
                inside = _entry(path).relative_to(out.resolve()).parts
            except ValueError:
                inside = ()
            if inside and inside[0].startswith(TMP_PREFIX):
                hit = inside[0]
        if hit is not None:
            raise OutputError.of("output.input_inside", option=option, path=path, hit=hit,
                                 out=out)


# --------------------------------------------------------------------------- Ctrl-C


@contextlib.contextmanager
def no_interrupt() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back while the block runs, then deliver it.

    The block (moving files into place, removing the temporary folder) is never left half
    done.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: pending.append(signum))
    except ValueError:  # not the main interpreter
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if pending and previous is not signal.SIG_IGN:
            raise KeyboardInterrupt


def block_interrupt_in_thread() -> None:
    """Keep Ctrl-C away from the calling worker thread.

    The system then delivers SIGINT to the main thread, which Python turns into
    KeyboardInterrupt; otherwise the signal may land in the worker and break the system call
    GDAL is making there (a half-written file, a GDAL error on the terminal). Use as a
    thread pool's ``initializer``.
    """
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


# --------------------------------------------------------------------------- the lock

_held: dict[str, tuple[int, int]] = {}  # resolved folder -> (thread id, depth)
_held_guard = threading.Lock()


class _FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> None:
        for _ in range(100):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                if not _try_lock(fd):
                    raise _busy(self.path, fd)
                try:  # the file may have been removed by the run that just finished
                    same = os.path.samestat(os.fstat(fd), os.stat(self.path))
                except FileNotFoundError:
                    same = False
                if same:
                    os.ftruncate(fd, 0)
                    os.write(fd, f"{os.getpid()}\n".encode())
                    self.fd = fd
                    return
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)
        raise OutputError.of("output.keeps_replaced", path=self.path)

    def release(self) -> None:
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        if os.name == "nt":  # an open file cannot be removed on Windows
            _unlock(fd)
            os.close(fd)
            with contextlib.suppress(OSError):
                self.path.unlink()
        else:  # removed while locked: a run that opened it before sees it is stale
            with contextlib.suppress(OSError):
                self.path.unlink()
            os.close(fd)


def _try_lock(fd: int) -> bool:
    if os.name == "nt":  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:  # pragma: no cover - Windows
    import msvcrt

    with contextlib.suppress(OSError):
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _busy(path: Path, fd: int) -> OutputError:
    """Return the error for an output folder another run holds (its process id when known)."""
    try:
        pid = os.read(fd, 32).decode(errors="replace").strip()
    except OSError:
        pid = ""
    who = OutputError.of("output.busy_who", pid=pid) if pid.isdigit() else ""
    return OutputError.of("output.busy", who=who, folder=path.parent, lock=path.name)


# --------------------------------------------------------------------------- the folder


@dataclass
class _Folder:
    out: Path
    created: list[Path] = field(default_factory=list)


def _make_folder(out: Path) -> list[Path]:
    """Create ``out`` (and missing parents); the folders created, innermost first."""
    missing = []
    place = out
    while not place.exists():
        missing.append(place)
        if place.parent == place:
            break
        place = place.parent
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise OutputError.of("output.is_file", out=out, example=out.parent / "ket_qua") \
            from exc
    except OSError as exc:
        raise OutputError.of("output.cannot_create", out=out,
                             reason=exc.strerror or exc) from exc
    return missing


@contextlib.contextmanager
def output_folder(out: str | Path, names: Sequence[str],
                  inputs: Iterable[tuple[str, Path | None]] = ()) -> Iterator[Path]:
    """Check, create and lock the output folder ``out`` of a run that writes ``names``.

    Raises :class:`OutputError` before anything is written when ``out`` is unusable
    (:func:`check_output_folder`) or another run holds its lock. Left-over temporary folders
    of runs that were killed are removed. On leaving, the lock is released and its file
    removed; when the block fails, folders created here are removed again if still empty.
    Re-entrant within one thread (the command line locks before the check, the writer again).
    """
    out = Path(out)
    key = os.path.normcase(str(Path(os.path.abspath(out))))
    me = threading.get_ident()
    with _held_guard:
        owner = _held.get(key)
        if owner is not None and owner[0] == me:
            _held[key] = (me, owner[1] + 1)
    if owner is not None and owner[0] == me:
        try:
            check_output_folder(out, names, [(o, p) for o, p in inputs if p is not None])
            yield out
        finally:
            with _held_guard:
                _held[key] = (me, _held[key][1] - 1)
        return
    if owner is not None:
        raise _busy(out / LOCK_NAME, -1)

    checked = [(o, Path(p)) for o, p in inputs if p is not None]
    check_output_folder(out, names, checked)
    created = _make_folder(out)
    lock = _FileLock(out / LOCK_NAME)
    ok = False
    try:
        try:
            lock.acquire()
        except PermissionError as exc:
            raise OutputError.of("output.cannot_write", out=out,
                                 reason=exc.strerror or exc) from exc
        with _held_guard:
            _held[key] = (me, 1)
        try:
            check_output_folder(out, names, checked)  # again, now that nobody else writes
            for stale in out.glob(TMP_PREFIX + "*"):
                if stale.is_dir() and not stale.is_symlink():
                    shutil.rmtree(stale, ignore_errors=True)
            yield out
            ok = True
        finally:
            with _held_guard:
                _held.pop(key, None)
    finally:
        with no_interrupt():
            lock.release()
            if not ok:
                for folder in created:
                    try:
                        folder.rmdir()
                    except OSError:
                        break


@dataclass
class Staging:
    """A run's temporary folder inside the output folder.

    :meth:`commit` moves its files into place.
    """

    out: Path
    tmp: Path
    names: Sequence[str]

    def commit(self, written: Mapping[str, Path]) -> dict[str, Path]:
        """Move the files ``written`` (name -> path inside :attr:`tmp`) into the output folder.

        Every file of :attr:`names` left there by an earlier run is removed first (in a
        folder of :attr:`names`, the files named like :data:`FOLDER_FILE`). Ctrl-C waits
        until this is done. Returns name -> final path, in ``written`` order.
        """
        final = {name: self.out / name.rstrip("/") for name in written}
        with no_interrupt():
            for name in touched_names(self.names)[:-1]:  # not the lock
                target = self.out / name.rstrip("/")
                if is_folder(name) and target.is_dir() and not target.is_symlink():
                    clear_folder(target)
                elif target.is_symlink() or (target.is_file() and not is_folder(name)):
                    target.unlink()
            for name, path in written.items():
                if is_folder(name) and final[name].is_dir():  # other files stay in it
                    for item in sorted(path.iterdir()):
                        os.replace(item, final[name] / item.name)
                else:
                    os.replace(path, final[name])
        return final


def clear_folder(folder: Path) -> None:
    """Remove the files of ``folder`` named like :data:`FOLDER_FILE`; the folder if empty."""
    for item in folder.iterdir():
        if FOLDER_FILE.fullmatch(item.name) and (item.is_symlink() or item.is_file()):
            item.unlink()
    with contextlib.suppress(OSError):  # other files are left in it, and the folder
        folder.rmdir()


@contextlib.contextmanager
def staged(out: str | Path, names: Sequence[str]) -> Iterator[Staging]:
    """Lock ``out`` (see :func:`output_folder`) and give a :class:`Staging`.

    Its temporary folder is always removed on leaving.
    """
    with output_folder(out, names) as folder:
        tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=folder))
        try:
            yield Staging(folder, tmp, tuple(names))
        finally:
            with no_interrupt():
                shutil.rmtree(tmp, ignore_errors=True)
