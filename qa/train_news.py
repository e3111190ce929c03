"""News-page training data for the reader: ``python -m qa.train news --pages P --out Q``.

The reader's other training data (SQuAD 2.0) is Wikipedia prose; what it reads at question time is
scraped news, cleaned and cut by ingest. ``training/news_qa/pages.json``, ``pages_2.json`` and
``pages_3.json`` hold news pages written for this project (fictional stories with page boilerplate,
bylines and date stamps in many formats) and questions about each, answerable ones with their exact
answer text and unanswerable ones. This module cleans and cuts each page exactly as ingest does
(:func:`qa.clean.clean`, :func:`qa.chunk.chunk`) and writes SQuAD 2.0 layout, one paragraph per
passage, so ``qa.train reader`` and ``qa.train calibrate`` read it like SQuAD:

* an answerable question goes with the first passage that holds its answer; a question whose answer
  the cleaner dropped (it was in boilerplate) is left out and counted;
* an unanswerable one goes with the passage that holds its ``plausible_answer`` (the span a careless
  reader would give), else the passage sharing most content words with it, as retrieval would pick.
"""

from __future__ import annotations

import json
from pathlib import Path

from qa.chunk import chunk
from qa.clean import clean
from qa.load import RawDocument
from qa.settings import ChunkSettings
from qa.text import content_terms

# Article titles carry this prefix, so they never collide with another data file's (validation holds
# back whole articles by title).
TITLE_PREFIX = "news: "


def news_squad(pages: list[dict]) -> tuple[dict, dict[str, int]]:
    """SQuAD 2.0-layout data for ``pages`` (``{"title", "text", "qas": [{"question", "answer",
    "plausible_answer"}]}``), and counts of what was kept and left out."""
    settings = ChunkSettings()
    counts = {"pages": 0, "answerable": 0, "unanswerable": 0, "answer_not_in_passages": 0}
    data = []
    for n, page in enumerate(pages):
        doc_id = f"news_{n:03d}.txt"
        article = clean(RawDocument(doc_id=doc_id, path=Path(doc_id), text=page["text"], format="text"))
        texts = [p.text for p in chunk(doc_id, article.text, settings)]
        if not texts:
            continue
        paragraphs: dict[int, list[dict]] = {}
        for i, qa in enumerate(page["qas"]):
            answer = qa.get("answer")
            qid = f"{doc_id}/{i}"
            if answer:
                where = _first_holding(texts, answer)
                if where is None:
                    counts["answer_not_in_passages"] += 1
                    continue
                entry = {"id": qid, "question": qa["question"], "is_impossible": False,
                         "answers": [{"text": answer, "answer_start": texts[where].index(answer)}]}
                counts["answerable"] += 1
            else:
                where = _passage_for_unanswerable(qa, texts)
                entry = {"id": qid, "question": qa["question"], "is_impossible": True, "answers": []}
                counts["unanswerable"] += 1
            paragraphs.setdefault(where, []).append(entry)
        counts["pages"] += 1
        data.append({"title": TITLE_PREFIX + (article.title or doc_id),
                     "paragraphs": [{"context": texts[j], "qas": qas} for j, qas in sorted(paragraphs.items())]
                     + [{"context": t, "qas": []} for j, t in enumerate(texts) if j not in paragraphs]})
    return {"version": "v2.0", "data": data}, counts


def _first_holding(texts: list[str], span: str) -> int | None:
    return next((j for j, t in enumerate(texts) if span in t), None)


def _passage_for_unanswerable(qa: dict, texts: list[str]) -> int:
    plausible = qa.get("plausible_answer")
    if plausible:
        where = _first_holding(texts, plausible)
        if where is not None:
            return where
    q = set(content_terms(qa["question"]))
    return max(range(len(texts)), key=lambda j: (len(q & set(content_terms(texts[j]))), -j))


def write_news_squad(pages_file: Path, out: Path) -> str:
    """Convert ``pages_file`` to ``out``; the line to print."""
    pages = json.loads(pages_file.read_text(encoding="utf-8"))["articles"]
    squad, counts = news_squad(pages)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(squad, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    return f"wrote {out}: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
