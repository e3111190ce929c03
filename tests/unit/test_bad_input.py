"""Bad input is reported with a reason and skipped; nothing a file contains makes cleaning or chunking fail."""

from __future__ import annotations

import codecs
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.chunk import chunk
from qa.clean import clean, normalise_whitespace
from qa.load import LoadError, RawDocument, discover, read
from qa.metadata import from_text, parse_date
from qa.settings import ChunkSettings


def test_a_50_mb_file_is_too_large(tmp_path: Path) -> None:
    path = tmp_path / "dump.txt"
    with path.open("wb") as f:
        f.write(b"Some text. ")
        f.truncate(50 * 1024 * 1024)
    with pytest.raises(LoadError, match=r"file too large \(52 MB > 21 MB\)"):
        read(path, tmp_path)


def test_symlink_loops_are_reported_not_followed(tmp_path: Path) -> None:
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "sub" / "real.txt").write_text("A real article.")
    found, skipped = discover(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.txt", "b.txt", "sub/real.txt"]
    assert [(Path(s.path).name, s.reason) for s in skipped] == [("up", "symbolic link to a folder (not followed)")]
    with pytest.raises(LoadError, match="Too many levels of symbolic links"):
        read(tmp_path / "a.txt", tmp_path)


def _read_as_nobody(path: Path) -> str:
    """``read(path)`` in a forked child that gave up root (root reads any file whatever its mode)."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: drop to nobody, try to read, report, exit without running pytest's teardown
        os.close(reader)
        try:
            os.setgid(65534)
            os.setuid(65534)
            read(path, path.parent)
            message = "read"
        except LoadError as exc:
            message = str(exc)
        except BaseException as exc:  # noqa: BLE001
            message = f"error: {exc!r}"
        os.write(writer, message.encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        message = pipe.read()
    os.waitpid(pid, 0)
    return message


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork() to test as an unprivileged user")
def test_unreadable_file_is_reported() -> None:
    folder = Path(tempfile.mkdtemp(prefix="qa-perm-"))  # under /tmp, where an unprivileged user can reach it
    try:
        folder.chmod(0o755)
        path = folder / "secret.txt"
        path.write_text("A private article.")
        path.chmod(0)
        if os.geteuid() == 0:
            assert _read_as_nobody(path) == "permission denied"
        else:
            with pytest.raises(LoadError, match="permission denied"):
                read(path, folder)
    finally:
        (folder / "secret.txt").unlink()
        folder.rmdir()


@pytest.mark.parametrize(
    "data",
    [
        "Erdoğan met Cavusoglu in Ankara, café".encode("utf-8-sig"),
        codecs.BOM_UTF16_LE + "Erdoğan met Cavusoglu in Ankara, café".encode("utf-16-le"),
        codecs.BOM_UTF16_BE + "Erdoğan met Cavusoglu in Ankara, café".encode("utf-16-be"),
    ],
)
def test_unicode_encodings_decode_exactly(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "a.txt").write_bytes(data)
    assert clean(read(tmp_path / "a.txt", tmp_path)).text == "Erdoğan met Cavusoglu in Ankara, café"


def test_latin1_decodes(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes("Le café du coin a fermé, déclare le maire.".encode("latin-1"))
    assert clean(read(tmp_path / "a.txt", tmp_path)).text == "Le café du coin a fermé, déclare le maire."


_ARTICLE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400
) | st.lists(
    st.sampled_from(["Published: Tue 14 Jul 2015, 8:10 PM", "Advertisement", "• whatsapp", "Dear Reader,",
                     "He said.", "Mr. Smith left.", "\r\n", "\n\n", "\u00a0", "\t", "By Jane Doe", "URL: https://x.y/z",
                     "Source: Reuters | Author: None", "© 2015 Khaleej Times", "“Quote,” he said. ", "é", "\u200b"]),
    max_size=40,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(raw=_ARTICLE_TEXT, fmt=st.sampled_from(["text", "markdown"]), target=st.integers(100, 800))
def test_cleaned_articles_chunk_into_passages_that_slice_back(raw: str, fmt: str, target: int) -> None:
    try:
        article = clean(RawDocument("d.txt", Path("d.txt"), raw, fmt))
    except LoadError as exc:
        assert normalise_whitespace(raw) == "" and str(exc) == "no text left after cleaning"
        return
    assert article.text == article.text.strip() and article.text
    cfg = ChunkSettings(target_chars=target, max_chars=max(200, target), overlap_sentences=1)
    passages = chunk("d.txt", article.text, cfg)
    assert passages
    for p in passages:
        assert article.text[p.start : p.end] == p.text
    assert article.meta.published is None or parse_date(article.meta.published) == article.meta.published


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_metadata_extraction_never_fails(text: str) -> None:
    meta = from_text(text)
    assert meta.published is None or len(meta.published) == 10
