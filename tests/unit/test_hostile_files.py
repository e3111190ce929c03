"""Hostile files (issue 15, reproductions 7 and 9): each is its own one-line skip reason; nothing hangs or reads forever."""

from __future__ import annotations

import codecs
import json
import os
import random
import threading
from pathlib import Path

import pytest

from qa import load
from qa.load import LoadError, decode, discover, read, read_all

TEXT = "Ferry resumes\n\nThe ferry to Erdek resumed on Sunday, the port authority said — café owners cheered.\n"


def test_utf16_with_an_odd_trailing_byte_is_a_skip_reason(tmp_path: Path) -> None:
    (tmp_path / "odd.txt").write_bytes(TEXT.encode("utf-16") + b"\x41")
    with pytest.raises(LoadError, match=r"not valid UTF-16 \(truncated data at byte \d+\): save it again as UTF-8"):
        read(tmp_path / "odd.txt", tmp_path)


def test_one_bad_byte_is_replaced_in_its_spot_not_the_whole_file_redecoded() -> None:
    data = TEXT.encode("utf-8")
    damaged = data[:20] + b"\xff" + data[20:]
    text = decode(damaged)
    assert text.count("\ufffd") == 1 and "café owners" in text and "â€”" not in text


def test_latin1_files_are_still_windows_1252() -> None:
    assert decode("Le café du port a rouvert lundi. “Enfin”, dit-il.".encode("cp1252")).endswith("“Enfin”, dit-il.")


def test_binary_without_nul_in_the_first_8_kb_is_not_an_article(tmp_path: Path) -> None:
    noise = bytes(b for b in random.Random(7).randbytes(40_000) if b != 0)
    (tmp_path / "late_nul.txt").write_bytes(b"A" * 9000 + b"\x00" + b"B" * 100)
    (tmp_path / "noise.txt").write_bytes(noise)
    (tmp_path / "high.md").write_bytes(bytes(random.Random(8).choices(range(0x80, 0x100), k=5000)))
    for name, reason in [("late_nul.txt", "contains NUL bytes"), ("noise.txt", "control bytes"), ("high.md", "not text")]:
        with pytest.raises(LoadError, match=f"binary file .*{reason}"):
            read(tmp_path / name, tmp_path)


def test_pipes_devices_and_links_to_them_are_skipped_by_name_without_reading(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    (tmp_path / "good.txt").write_text(TEXT)
    result: list = []
    worker = threading.Thread(target=lambda: result.append(discover(tmp_path)), daemon=True)
    worker.start()
    worker.join(10)
    assert result, "discover hung"
    found, skipped = result[0]
    assert [p.name for p in found] == ["good.txt"]
    assert sorted((Path(s.path).name, s.reason) for s in skipped) == [
        ("pipe.txt", "not a regular file (named pipe)"), ("zero.txt", "not a regular file (device)")]
    with pytest.raises(LoadError, match="not a regular file"):  # read directly: refused, not read (or waited on)
        read(tmp_path / "pipe.txt", tmp_path)
    with pytest.raises(LoadError, match="not a regular file"):
        read(tmp_path / "zero.txt", tmp_path)


def test_file_names_that_are_not_utf8_are_reported_printably(tmp_path: Path) -> None:
    bad = os.fsdecode(b"caf\xe9.txt")
    (tmp_path / bad).write_text(TEXT)
    (tmp_path / "good.txt").write_text(TEXT)
    found, skipped = discover(tmp_path)
    assert [p.name for p in found] == ["good.txt"]
    assert [s.reason for s in skipped] == ["file name is not valid UTF-8: rename it"]
    assert skipped[0].path.endswith("caf\\xe9.txt") and load.shown(skipped[0].path) == skipped[0].path
    skipped[0].path.encode("utf-8")  # printable


def test_jsonl_lines_are_decoded_one_by_one(tmp_path: Path) -> None:
    good = json.dumps({"id": "a", "text": "Talks resumed in Genève on Monday, diplomats said."}, ensure_ascii=False)
    other = json.dumps({"id": "b", "text": "A second story about the café."}, ensure_ascii=False).encode()
    (tmp_path / "feed.jsonl").write_bytes(good.encode() + b"\n" + other.replace(b"second", b"sec\xffond"))
    docs, skipped = read_all(tmp_path / "feed.jsonl", tmp_path)
    assert not skipped
    assert docs[0].text == "Talks resumed in Genève on Monday, diplomats said."
    assert docs[1].text == "A sec\ufffdond story about the café."


def test_utf16_jsonl_is_read(tmp_path: Path) -> None:
    line = json.dumps({"id": "a", "text": "Talks resumed."})
    (tmp_path / "feed.jsonl").write_bytes(codecs.BOM_UTF16_LE + line.encode("utf-16-le"))
    docs, _ = read_all(tmp_path / "feed.jsonl", tmp_path)
    assert [d.doc_id for d in docs] == ["feed.jsonl#a"]
