"""Reading the files a user names: regular files only, and never more than a bound.

A named pipe blocks a read until a writer comes (forever, in practice), a device such
as /dev/zero never ends and a socket cannot be opened: each is refused by its type
before a byte is read, with a message that says what the path is.
"""

from __future__ import annotations

import os
import stat

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


class NotARegularFile(OSError):
    """The path exists but is a directory, a pipe, a device or a socket."""

    def __init__(self, path: str, kind: str) -> None:
        super().__init__(f"`{path}` is {kind}, not a regular file")
        self.kind = kind


def _kind(mode: int) -> str | None:
    for test, name in _KINDS:
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) else "not a regular file"


def read_regular(path: str, limit: int) -> bytes:
    """At most `limit + 1` bytes of the regular file `path` (one more than the limit, so
    that the caller can tell a file that is too large). Raises OSError, NotARegularFile
    included."""
    kind = _kind(os.stat(path).st_mode)
    if kind is not None:
        raise NotARegularFile(path, kind)
    # O_NONBLOCK: should the path become a pipe between the stat and the open, the
    # open returns at once, and fstat below refuses it.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        kind = _kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise NotARegularFile(path, kind)
        return fh.read(limit + 1)
