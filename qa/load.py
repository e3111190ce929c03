"""Stage 1, load: find article files in a folder and read them as text.

Nothing here raises on a bad file: every file is either read or reported as
skipped with a reason a person can act on.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from pathlib import Path

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm")
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class RawDocument:
    """A file's text, decoded but not yet cleaned."""

    doc_id: str  # path relative to the corpus folder, with '/' separators
    path: Path
    text: str
    format: str  # "text", "markdown" or "html"


@dataclass(frozen=True)
class Skipped:
    """A file that was not ingested, and why."""

    path: str
    reason: str


class LoadError(Exception):
    """A file cannot be read as an article; the message says why."""


def discover(folder: Path) -> tuple[list[Path], list[Skipped]]:
    """All files under ``folder`` with a supported suffix, sorted, plus the files passed over.

    Hidden files and folders are ignored; symlinked folders are not followed (no loops).
    """
    if not folder.exists():
        raise FileNotFoundError(f"corpus folder not found: {folder}")
    if folder.is_file():
        return [folder], []
    found: list[Path] = []
    skipped: list[Skipped] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(root) / name
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                found.append(path)
            else:
                skipped.append(Skipped(str(path), f"unsupported file type '{path.suffix or name}'"))
    return found, skipped


def doc_id_for(path: Path, folder: Path) -> str:
    """The stable id of an article: its path relative to the corpus folder."""
    if folder.is_file():
        return path.name
    return path.relative_to(folder).as_posix()


def decode(data: bytes) -> str:
    """Decode bytes as UTF-8 (with or without BOM) or UTF-16 with BOM, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise LoadError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read(path: Path, folder: Path) -> RawDocument:
    """Read one file. Raises :class:`LoadError` with a readable reason when it cannot."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LoadError(f"file too large ({size / 1e6:.0f} MB > {MAX_FILE_BYTES / 1e6:.0f} MB)")
        data = path.read_bytes()
    except PermissionError:
        raise LoadError("permission denied") from None
    except IsADirectoryError:
        raise LoadError("is a directory") from None
    except OSError as exc:
        raise LoadError(exc.strerror or str(exc)) from None
    text = decode(data)
    if not text.strip():
        raise LoadError("empty file")
    suffix = path.suffix.lower()
    fmt = "html" if suffix in (".html", ".htm") else "markdown" if suffix == ".md" else "text"
    return RawDocument(doc_id=doc_id_for(path, folder), path=path, text=text, format=fmt)
