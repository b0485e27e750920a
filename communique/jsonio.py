"""Reading JSON files into data or a located problem, and writing them deterministically."""

from __future__ import annotations

import json
import os
import sys
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class ReadFailure:
    """Why a file could not be read as JSON: a stable problem id and a message."""

    problem: str
    message: str


def parse_json_bytes(raw: bytes) -> Any | ReadFailure:
    """Decode UTF-8 JSON, refusing what a lenient reader would quietly accept."""
    if not raw.strip():
        return ReadFailure("file-empty", "file is empty")
    if len(raw) > MAX_FILE_BYTES:
        return ReadFailure("file-too-large", f"file is {len(raw):,} bytes, above the limit of {MAX_FILE_BYTES:,}")
    if raw.startswith(b"\xef\xbb\xbf"):
        return ReadFailure("json-bom", "file starts with a UTF-8 byte-order mark; save it without one")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return ReadFailure("encoding-invalid", f"not UTF-8: byte {error.start} cannot be decoded")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError) as error:
        return ReadFailure("json-invalid", f"invalid JSON: {error}")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def read_bytes(path: Path) -> bytes | ReadFailure:
    """The bytes of ``path``; a file over the size limit is not read into memory."""
    try:
        with open(path, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > MAX_FILE_BYTES:
                return ReadFailure("file-too-large", f"file is {size:,} bytes, above the limit of {MAX_FILE_BYTES:,}")
            return stream.read()
    except OSError as error:
        return ReadFailure("file-unreadable", f"cannot read file: {error.strerror}")


def read_json(path: Path) -> Any | ReadFailure:
    """Read and parse ``path`` (:func:`read_bytes`, then :func:`parse_json_bytes`)."""
    raw = read_bytes(path)
    return parse_json_bytes(raw) if isinstance(raw, bytes) else raw


def dumps(data: Any) -> str:
    """The canonical serialisation of corpus files: 2-space indent, UTF-8 text, trailing newline."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def dumps_line(data: Any) -> str:
    """One JSON Lines record with sorted keys and no spaces."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def dumps_line_bytes(data: Any) -> bytes:
    """:func:`dumps_line` as UTF-8 bytes for data without floats, written by orjson (an order of
    magnitude faster than ``json``, which matters for release files of gigabytes).

    For string keys, 64-bit integers, booleans, null and valid Unicode the bytes are exactly those
    of :func:`dumps_line` (tested); floats would differ in form (``1e-05`` against ``0.00001``),
    and release rows hold none: every release feature is a string, integer, date or label (tested).
    """
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` atomically: a temporary file beside the target, then a rename."""
    write_text(path, dumps(data))


def write_text(path: Path, text: str) -> None:
    """Write ``text`` atomically, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def replacing_directory(target: Path) -> Iterator[Path]:
    """Yield an empty sibling folder to build in; on success it replaces ``target`` whole.

    If the build raises, the temporary folder is removed and ``target`` is left as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.building-"))
    try:
        yield building
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    retired = target.with_name(f".{target.name}.retired")
    shutil.rmtree(retired, ignore_errors=True)
    if target.exists():
        os.replace(target, retired)
    os.replace(building, target)
    shutil.rmtree(retired, ignore_errors=True)


def stale_files(files: dict[Path, str]) -> list[Path]:
    """The paths whose current content differs from what they should hold (missing ones included)."""
    return [path for path, content in files.items() if not path.is_file() or path.read_text(encoding="utf-8") != content]


def write_or_check(files: dict[Path, str], check: bool, what: str, command: str, shown: Callable[[Path], str] = str) -> int:
    """Write generated ``files`` (only those that changed), or with ``check`` report the stale ones.

    Returns the exit status: 1 when checking finds a stale file, else 0. One behaviour for every
    command that owns generated files, so ``--check`` means the same everywhere.
    """
    stale = stale_files(files)
    if check:
        if stale:
            print(f"{what} out of date (run `{command}`): " + ", ".join(map(shown, stale)), file=sys.stderr)
            return 1
        return 0
    for path in stale:
        write_text(path, files[path])
    return 0
