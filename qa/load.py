"""Stage 1, load: find article files in a folder and read them as text.

Nothing here raises on a bad file: every file is either read or reported as
skipped with a reason a person can act on.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from qa.metadata import ArticleMeta, parse_date

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".jsonl")
FORMATS = {".md": "markdown", ".html": "html", ".htm": "html", ".pdf": "pdf", ".jsonl": "jsonl"}
# One article is never this big; a bigger file is a dump or a mistake. A .jsonl file holds many
# articles, so the limit applies to each of its records instead.
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class RawDocument:
    """A file's text, decoded but not yet cleaned."""

    doc_id: str  # path relative to the corpus folder, with '/' separators
    path: Path
    text: str
    format: str  # "text", "markdown", "html", "pdf" or "jsonl" (one record)
    title: str = ""  # given by the source (a .jsonl record), else found when cleaning
    meta: ArticleMeta = ArticleMeta()  # given by the source (a .jsonl record); the text may add more


@dataclass(frozen=True)
class Skipped:
    """A file that was not ingested, and why."""

    path: str
    reason: str


class LoadError(Exception):
    """A file cannot be read as an article; the message says why."""


def discover(folder: Path) -> tuple[list[Path], list[Skipped]]:
    """All files under ``folder`` with a supported suffix, sorted, plus the files passed over.

    Hidden files and folders are ignored; symlinked folders are reported, not followed (no loops).
    """
    if not folder.exists():
        raise FileNotFoundError(f"corpus folder not found: {folder}")
    if folder.is_file():
        return [folder], []
    found: list[Path] = []
    skipped: list[Skipped] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in dirs:
            if (Path(root) / name).is_symlink():
                skipped.append(Skipped(str(Path(root) / name), "symbolic link to a folder (not followed)"))
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


def _read_bytes(path: Path, limit: int | None) -> bytes:
    try:
        size = path.stat().st_size
        if limit is not None and size > limit:
            raise LoadError(f"file too large ({size / 1e6:.0f} MB > {limit / 1e6:.0f} MB)")
        return path.read_bytes()
    except PermissionError:
        raise LoadError("permission denied") from None
    except IsADirectoryError:
        raise LoadError("is a directory") from None
    except OSError as exc:
        raise LoadError(exc.strerror or str(exc)) from None


def read(path: Path, folder: Path) -> RawDocument:
    """Read a one-article file. Raises :class:`LoadError` with a readable reason when it cannot."""
    fmt = FORMATS.get(path.suffix.lower(), "text")
    if fmt == "jsonl":
        raise LoadError("a .jsonl file holds many articles: use read_all()")
    data = _read_bytes(path, MAX_FILE_BYTES)
    text = pdf_text(data) if fmt == "pdf" else decode(data)
    if not text.strip():
        raise LoadError("empty file")
    return RawDocument(doc_id=doc_id_for(path, folder), path=path, text=text, format=fmt)


def read_all(path: Path, folder: Path) -> tuple[list[RawDocument], list[Skipped]]:
    """Every article in a file (one per record of a .jsonl file), and the records passed over.

    Raises :class:`LoadError` when the file as a whole cannot be read.
    """
    if path.suffix.lower() != ".jsonl":
        return [read(path, folder)], []
    text = decode(_read_bytes(path, None))
    docs: list[RawDocument] = []
    skipped: list[Skipped] = []
    doc_id = doc_id_for(path, folder)
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            docs.append(jsonl_record(line, f"{doc_id}#{number}", path))
        except LoadError as exc:
            skipped.append(Skipped(f"{path}:{number}", str(exc)))
    if not docs and not skipped:
        raise LoadError("empty file")
    return docs, skipped


def jsonl_record(line: str, default_id: str, path: Path) -> RawDocument:
    """One .jsonl line: ``{"text", "title"?, "url"?, "published"?, "source"?, "id"?}``.

    The doc_id is ``file.jsonl#<id>`` when the record has an ``id``, else ``file.jsonl#<line>``.
    """
    if len(line) > MAX_FILE_BYTES:
        raise LoadError(f"record too large ({len(line) / 1e6:.0f} MB)")
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LoadError(f"invalid JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise LoadError("record is not a JSON object")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise LoadError("record has no 'text'")

    def field(name: str) -> str | None:
        value = record.get(name)
        return value.strip() or None if isinstance(value, str) else None

    record_id = record.get("id")
    doc_id = f"{default_id.rpartition('#')[0]}#{record_id}" if isinstance(record_id, (str, int)) else default_id
    published = field("published")
    meta = ArticleMeta(published=parse_date(published) if published else None, outlet=field("source"),
                       url=field("url"), author=field("author"))
    return RawDocument(doc_id=doc_id, path=path, text=text, format="text", title=field("title") or "", meta=meta)


_HYPHEN_BREAK = re.compile(r"(?<=\w)-\n(?=[a-z])")
_SOFT_BREAK = re.compile(r"(?<=[^\s.!?:;”\"])\n(?=[a-z(])")


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF, page after page, with line breaks inside sentences joined."""
    from io import BytesIO

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise LoadError(f"unreadable PDF ({exc})") from None
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        raise LoadError("PDF has no text layer (scanned pages need OCR)")
    return _SOFT_BREAK.sub(" ", _HYPHEN_BREAK.sub("", text))
