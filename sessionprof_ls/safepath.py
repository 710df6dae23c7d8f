"""Writing a file where we mean to, readable by the user alone.

An export lands in `<workspace>/.sessionprof/` unless a path is given. Anything
in the workspace may be attacker-controlled (a cloned repository): a
`.sessionprof` that is a symlink out of it, or an export file that is a symlink,
would make the server write or overwrite a file elsewhere. So every write
resolves the folder it goes into (symlinks included), checks that it lies
inside one of the allowed roots, refuses a final component that is a symlink
(O_NOFOLLOW), and creates the file 0600: exports hold tool arguments and file
paths.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path


class WriteRefused(ValueError):
    """The write would leave the allowed folders, follow a symlink, or hit a directory."""


class DiskFull(OSError):
    """No space left: nothing was written (the partial file is removed)."""


def resolved_inside(roots: Iterable[Path], target: Path) -> bool:
    """Is target (symlinks resolved) inside one of the roots (symlinks resolved)?"""
    try:
        real = target.resolve()
    except (OSError, RuntimeError):
        return False
    for root in roots:
        try:
            if real.is_relative_to(Path(root).resolve()):
                return True
        except (OSError, RuntimeError):
            continue
    return False


def _make_dirs(folder: Path, roots: list[Path] | None) -> Path:
    """Create folder's missing parts one at a time, none of them through a symlink out of
    the roots; returns the folder's real path."""
    missing = []
    p = folder
    while not p.exists() and not p.is_symlink():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        if roots is not None and not resolved_inside(roots, d.parent):
            raise WriteRefused(f"refused: {d.parent} leads outside the workspace")
        try:
            os.mkdir(d, 0o700)
        except FileExistsError:
            pass
    real = folder.resolve()
    if roots is not None and not resolved_inside(roots, real):
        raise WriteRefused(f"refused: {folder} resolves to {real}, outside the workspace (a symlink?)")
    if not real.is_dir():
        raise WriteRefused(f"refused: {folder} is not a folder")
    return real


def write_private(path: Path, data: bytes, roots: Iterable[Path] | None = None) -> Path:
    """Write data to path with mode 0600, never through a symlink and, when roots are
    given, never outside them. Returns the real path written."""
    path = Path(path)
    root_list = [Path(r) for r in roots] if roots is not None else None
    folder = _make_dirs(path.parent, root_list)
    target = folder / path.name
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise WriteRefused(f"refused: {path} is a symlink; sessionprof does not write through it")
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise WriteRefused(f"refused: {path} is a directory; give a file name")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise WriteRefused(f"refused: {path} is a symlink; sessionprof does not write through it") from None
        if exc.errno == errno.EISDIR:
            raise WriteRefused(f"refused: {path} is a directory; give a file name") from None
        raise
    try:
        os.fchmod(fd, 0o600)  # an existing file keeps its old mode otherwise
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as exc:
        os.close(fd)
        fd = -1
        try:
            os.unlink(target)
        except OSError:
            pass
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFull(
                exc.errno, f"disk full: cannot write {path} ({len(data):,} bytes); nothing was written"
            ) from exc
        raise
    finally:
        if fd >= 0:
            os.close(fd)
    return target
