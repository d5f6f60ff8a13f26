"""Output files: written whole or not at all (a temporary file, then a rename), never over an input.

Every writer of valuelens (HTML reports, figures, exports, annotated suites) goes through
`write_text` or `atomic_path`. Loaders and the store call `note_input` for each file they read, so
an output path naming an input of the same command (or process) is refused before anything is
written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from valuelens.errors import EnvironmentProblem, InputError, os_reason

_INPUTS: set[Path] = set()
_WRITTEN: set[Path] = set()
"""Files this process wrote: writing them again is allowed even when read back since."""


def _resolved(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.abspath(Path(path).expanduser()))


def note_input(path: str | os.PathLike[str]) -> None:
    """Remember a file read by this process, so that no output replaces it."""
    _INPUTS.add(_resolved(path))


def _is_input(target: Path) -> bool:
    if target in _WRITTEN:
        return False
    if target in _INPUTS:
        return True
    try:
        return target.exists() and any(p.exists() and os.path.samefile(p, target) for p in _INPUTS)
    except OSError:
        return False


def check_output(path: str | os.PathLike[str], what: str = "output") -> Path:
    """The output path, checked before any work: not empty, not a folder, not an input, and its
    folder exists (or can be made) and is writable.

    Raises:
        InputError: empty path, an existing folder, or an input of this command (exit 2).
        EnvironmentProblem: the folder cannot be made or written (exit 1).
    """
    if not str(path).strip():
        raise InputError(f"{what}: empty path")
    target = _resolved(path)
    if target.is_dir():
        raise InputError(f"{path}: {what} is an existing folder; give a file name")
    if _is_input(target):
        raise InputError(f"{path}: {what} would overwrite an input of this command; give another file")
    check_folder(target.parent, shown=str(path))
    return target


def check_folder(folder: str | os.PathLike[str], shown: str | None = None) -> Path:
    """Make `folder` when missing and check that files can be created in it.

    Raises:
        EnvironmentProblem: it cannot be made, is a file, or is not writable.
    """
    folder = _resolved(folder)
    name = shown or str(folder)
    blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise EnvironmentProblem(f"{name}: cannot write there ({blocker} is a file, not a folder)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EnvironmentProblem(f"{name}: cannot write there ({os_reason(exc)})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise EnvironmentProblem(f"{name}: cannot write there (permission denied)")
    return folder


def _mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def atomic_path(path: str | os.PathLike[str], what: str = "output") -> Iterator[Path]:
    """A temporary path next to `path` to write to; renamed onto `path` only if the block succeeds.

    Raises:
        InputError / EnvironmentProblem: as `check_output`, or when writing fails (disk full, ...).
    """
    target = check_output(path, what)
    try:
        # the temporary name keeps the extension: tools that pick a format by it (Chromium screenshots) still do
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=f".part{target.suffix}")
        os.close(fd)
    except OSError as exc:
        raise EnvironmentProblem(f"{path}: cannot write there ({os_reason(exc)})") from None
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, _mode(target))
        os.replace(tmp, target)
        _WRITTEN.add(target)
    except OSError as exc:
        raise EnvironmentProblem(f"{path}: cannot write ({os_reason(exc)})") from None
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: str | os.PathLike[str], text: str, what: str = "output") -> Path:
    """Write `text` (UTF-8) to `path` atomically; returns the path as given."""
    with atomic_path(path, what) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
