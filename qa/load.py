"""Stage 1, load: find article files in a folder and read them as text.

Nothing here raises on a bad file: every file is either read or reported as
skipped with a reason a person can act on.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import stat
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
    Only regular files (or symbolic links to them) are read: named pipes, devices and sockets are
    passed over by name, and so are names that are not valid UTF-8.
    """
    if not folder.exists():
        raise FileNotFoundError(f"corpus folder not found: {folder}")
    if not folder.is_dir():
        return [folder], []
    found: list[Path] = []
    skipped: list[Skipped] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in [d for d in dirs if not _utf8(d)]:
            skipped.append(Skipped(shown(Path(root) / name), "folder name is not valid UTF-8 (not read): rename it"))
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and _utf8(d))
        for name in dirs:
            if (Path(root) / name).is_symlink():
                skipped.append(Skipped(str(Path(root) / name), "symbolic link to a folder (not followed)"))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(root) / name
            if not _utf8(name):
                skipped.append(Skipped(shown(path), "file name is not valid UTF-8: rename it"))
            elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
                skipped.append(Skipped(str(path), f"unsupported file type '{path.suffix or name}'"))
            elif (kind := _not_regular(path)) is not None:
                skipped.append(Skipped(str(path), f"not a regular file ({kind})"))
            else:
                found.append(path)
    return found, skipped


def _utf8(name: str) -> bool:
    """Whether a name from the file system is valid UTF-8 (Python keeps invalid bytes as surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown(path: Path | str) -> str:
    """A path as it can be printed, with bytes that are not UTF-8 written as \\xNN."""
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


def _not_regular(path: Path) -> str | None:
    """What kind of file ``path`` is (after symbolic links) when it is not a regular file, else None.

    A path that cannot be examined (a broken link, a loop) counts as regular: reading it reports why.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "folder" if stat.S_ISDIR(mode) else "special file"


def doc_id_for(path: Path, root: Path) -> str:
    """The id of an article: its path relative to ``root`` (the index's recorded root), else its absolute path.

    Paths are made absolute as given (``..`` folded, symbolic links kept), so the same file reached the
    same way always has the same id, and files of two folders outside the root never share one.
    """
    root = Path(os.path.abspath(root))
    if root.is_file():
        root = root.parent
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix()


# Bytes that are never in text: C0 controls other than tab, line feed, vertical tab, form feed,
# carriage return and escape, and DEL. Text may hold a stray one; binary data holds them everywhere.
_CONTROL = bytes([*range(0, 9), *range(14, 27), *range(28, 32), 127])
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL)
_MAX_CONTROL_SHARE = 0.01  # random bytes hold ~11% of them; text, next to none
_MAX_HIGH_SHARE = 0.3  # of bytes >= 0x80, in a file that is not UTF-8 (Windows-1252 text holds a few percent)


def binary_reason(data: bytes) -> str | None:
    """Why ``data`` (the whole file) is not text, from its byte statistics; None when it is text."""
    if b"\x00" in data:
        return "binary file (contains NUL bytes)"
    control = len(data.translate(None, delete=_NOT_CONTROL))
    if control > _MAX_CONTROL_SHARE * len(data):
        return f"binary file ({control} control bytes in {len(data)})"
    return None


def decode(data: bytes) -> str:
    """Bytes as text: UTF-16 with BOM, else UTF-8 (with or without BOM), else Windows-1252.

    A file that is UTF-8 but for a few bad bytes keeps its UTF-8 text, with U+FFFD in those spots
    only; a file with no valid UTF-8 beyond ASCII is Windows-1252 (Latin-1 files, Word's quotes).
    Raises :class:`LoadError` for binary data and for UTF-16 that does not decode.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LoadError(f"not valid UTF-16 ({exc.reason} at byte {exc.start}): save it again as UTF-8") from None
    reason = binary_reason(data)
    if reason is not None:
        raise LoadError(reason)
    return decode_text(data)


def decode_text(data: bytes) -> str:
    """:func:`decode` for bytes known not to be UTF-16 or binary (one file, or one line of a .jsonl file)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8-sig", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    good = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    if good and good >= bad:  # UTF-8 with a few damaged bytes
        return text
    high = sum(1 for b in data if b > 127)
    if high > _MAX_HIGH_SHARE * len(data):
        raise LoadError("binary file (not text in UTF-8, UTF-16 or Windows-1252)")
    return data.decode("cp1252", errors="replace")


def _read_bytes(path: Path, limit: int | None) -> bytes:
    """The file's bytes; only a regular file is read, and never more than ``limit`` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a named pipe opens without waiting for a writer
    except PermissionError:
        raise LoadError("permission denied") from None
    except IsADirectoryError:
        raise LoadError("is a directory") from None
    except OSError as exc:
        raise LoadError(exc.strerror or str(exc)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise LoadError("is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise LoadError(f"not a regular file ({'named pipe' if stat.S_ISFIFO(info.st_mode) else 'device'})")
        if limit is not None and info.st_size > limit:
            raise LoadError(f"file too large ({info.st_size / 1e6:.0f} MB > {limit / 1e6:.0f} MB)")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read() if limit is None else f.read(limit + 1)
    except OSError as exc:
        raise LoadError(exc.strerror or str(exc)) from None
    finally:
        os.close(fd)
    if limit is not None and len(data) > limit:  # it grew while being read
        raise LoadError(f"file too large (over {limit / 1e6:.0f} MB)")
    return data


def read(path: Path, root: Path) -> RawDocument:
    """Read a one-article file, named relative to ``root``. Raises :class:`LoadError` with a readable reason."""
    fmt = FORMATS.get(path.suffix.lower(), "text")
    if fmt == "jsonl":
        raise LoadError("a .jsonl file holds many articles: use read_all()")
    data = _read_bytes(path, MAX_FILE_BYTES)
    text = pdf_text(data) if fmt == "pdf" else decode(data)
    if not text.strip():
        raise LoadError("empty file")
    return RawDocument(doc_id=doc_id_for(path, root), path=path, text=text, format=fmt)


def read_all(path: Path, root: Path) -> tuple[list[RawDocument], list[Skipped]]:
    """Every article in a file (one per record of a .jsonl file), and the records passed over.

    Each line of a .jsonl file is decoded on its own, so a bad byte costs that line at most.
    Raises :class:`LoadError` when the file as a whole cannot be read.
    """
    if path.suffix.lower() != ".jsonl":
        return [read(path, root)], []
    data = _read_bytes(path, None)
    lines: list[str] | list[bytes]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        lines = decode(data).split("\n")
    else:
        reason = binary_reason(data)
        if reason is not None:
            raise LoadError(reason)
        lines = data.split(b"\n")
    docs: list[RawDocument] = []
    skipped: list[Skipped] = []
    doc_id = doc_id_for(path, root)
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            docs.append(jsonl_record(line if isinstance(line, str) else decode_text(line), doc_id, path))
        except LoadError as exc:
            skipped.append(Skipped(f"{path}:{number}", str(exc)))
    if not docs and not skipped:
        raise LoadError("empty file")
    return docs, skipped


def jsonl_record(line: str, file_id: str, path: Path) -> RawDocument:
    """One .jsonl line: ``{"text", "title"?, "url"?, "published"?, "source"?, "id"?}``.

    The doc_id is ``file.jsonl#<id>`` when the record has an ``id``, else ``file.jsonl#<12 hex digits
    of a hash of the record>``: a record keeps its id when lines are added or removed around it.
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
    if not isinstance(record_id, (str, int)) or isinstance(record_id, bool) or not str(record_id).strip():
        record_id = hashlib.sha256(json.dumps(record, sort_keys=True).encode("utf-8", "surrogatepass")).hexdigest()[:12]
    doc_id = f"{file_id}#{record_id}"
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
