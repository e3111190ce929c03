"""Warm retrieval latency (question in, passages out, one process): p50/p95 per corpus and mode,
and retrieval + answer (the offline answerer, verification included) on the same questions.

Two corpora: the seed articles (34 passages) and a 10,000-passage corpus of synthetic
articles whose sentences are drawn (seeded, with replacement) from the seed articles and
any --pool folders, each given a random date and outlet so filtered queries are timed too, and
questions asked as of a day (``as_of``) with "this week" / "this year" in them, so the recency
prior's searches of the window are timed too.
The first --distinct passages are embedded (once; cached under benchmarks/data/), the rest
of the 10,000 are copies of those articles (text and vectors) under new ids, dates and outlets.

"ask_cold" gives each question a new answerer, as a fresh process would; "ask_fp32_int8_paired" times
the fp32 reader and its int8 copy (``answer.reader_int8``) on the same questions, alternately.

    nice python benchmarks/retrieval_latency.py --pool ../shared/bench/*/corpus [--retrieval-only]

Writes benchmarks/results/retrieval_latency.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from bench_output import write_results

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.chain import QAChain, make_answerer  # noqa: E402
from qa.chunk import chunk, split_sentences  # noqa: E402
from qa.clean import Article, ArticleMeta, clean  # noqa: E402
from qa.evaluate import load_questions  # noqa: E402
from qa.index import passage_id  # noqa: E402
from qa.ingest import embedding_text, fingerprint, ingest_folder  # noqa: E402
from qa.lexical import LexicalIndex  # noqa: E402
from qa.load import LoadError, discover, read  # noqa: E402
from qa.retrieve import SearchFilters  # noqa: E402
from qa.settings import Settings  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
RESULTS = ROOT / "benchmarks" / "results" / "retrieval_latency.json"
AS_OF = dt.date(2020, 6, 17)  # inside the synthetic articles' ten years of dates
OUTLETS = ["Khaleej Times", "Reuters", "Associated Press", "Al Jazeera", "BBC News", "The Guardian"]


def sentence_pool(folders: list[Path]) -> list[str]:
    pool = []
    for folder in folders:
        for path in discover(folder)[0]:
            try:
                text = clean(read(path, folder)).text
            except LoadError:
                continue
            pool += [text[s.start : s.end] for s in split_sentences(text) if 40 <= s.end - s.start <= 400]
    return pool


def build_synthetic(chain: QAChain, pool: list[str], target: int, distinct: int, sentences_per_article: int = 14) -> None:
    """Fill the chain's collection with synthetic articles until it holds ``target`` passages.

    Only the first ``distinct`` passages are embedded (2 cores embed about 100 passages a minute
    when the machine is shared); the rest are copies of those articles, text and vectors alike,
    under new ids, dates and outlets, so the index has its full size at a fraction of the cost.
    """
    rng = random.Random(7)
    settings = chain.settings
    model = chain.embedder.name
    n = 0
    batch: list[tuple[Article, list]] = []
    total = chain.index.count()
    while total < min(target, distinct):
        text = " ".join(rng.choice(pool) for _ in range(sentences_per_article))
        article = Article(doc_id=f"synthetic_{n:06d}.txt", title=text[:80], text=text, source="synthetic",
                          meta=random_meta(rng))
        n += 1
        if chain.index.fingerprint(article.doc_id) is not None:
            continue
        passages = chunk(article.doc_id, article.text, settings.chunk)
        batch.append((article, passages))
        total += len(passages)
        if sum(len(p) for _, p in batch) >= 256 or total >= min(target, distinct):
            vectors = chain.embedder.embed([embedding_text(a, p) for a, ps in batch for p in ps])
            offset = 0
            for a, ps in batch:
                chain.index.put(a, fingerprint(a, settings.chunk, model), ps, vectors[offset : offset + len(ps)])
                offset += len(ps)
            batch.clear()
            print(f"  {chain.index.count()} passages embedded", file=sys.stderr, flush=True)
    originals = [a for a in chain.index.articles() if a.doc_id.startswith("synthetic_")]
    # The originals' vectors, read once: each write below makes the collection's vector copy stale.
    stored_vectors = chain.index.passages(
        [passage_id(a.doc_id, a.fingerprint, i) for a in originals for i in range(a.n_passages)]
    )
    copy = 0
    total = chain.index.count()  # counted here, not asked of the index: that would rebuild its copy after every write
    while total < target:
        for stored in originals:
            if total >= target:
                break
            original = chain.index.article(stored.doc_id)
            article = Article(doc_id=f"copy{copy:02d}_{stored.doc_id}", title=original.title, text=original.text,
                              source="synthetic", meta=random_meta(rng))
            if chain.index.fingerprint(article.doc_id) is None:
                ids = [passage_id(stored.doc_id, stored.fingerprint, i) for i in range(stored.n_passages)]
                vectors = np.stack([stored_vectors[i][2] for i in ids])
                passages = chunk(article.doc_id, article.text, settings.chunk)
                chain.index.put(article, fingerprint(article, settings.chunk, model), passages, vectors)
                total += len(passages)
        copy += 1
        print(f"  {total} passages", file=sys.stderr, flush=True)


def random_meta(rng: random.Random) -> ArticleMeta:
    day = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3650))
    return ArticleMeta(published=day.isoformat(), outlet=rng.choice(OUTLETS))


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(1000 * statistics.median(ordered), 2),
        "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
        "n": len(ordered),
    }


def time_queries(
    chain: QAChain, questions: list[str], filters: SearchFilters | None = None, as_of: dt.date | None = None
) -> dict[str, float]:
    retriever = chain.retriever(filters=filters, as_of=as_of)
    for q in questions[:5]:  # warm-up: model, Chroma segments, BM25 index
        retriever.invoke(q)
    samples = []
    for q in questions:
        started = time.perf_counter()
        docs = retriever.invoke(q)
        samples.append(time.perf_counter() - started)
        assert docs, "no passages retrieved"
    return percentiles(samples)


def time_paired(chain: QAChain, questions: list[str], as_of: dt.date) -> dict[str, dict[str, float]]:
    """The same questions with and without the as-of date, alternately, so both see the same load."""
    without, with_as_of = chain.retriever(), chain.retriever(as_of=as_of)
    for q in questions[:5]:
        without.invoke(q), with_as_of.invoke(q)
    samples: dict[str, list[float]] = {"without": [], "with_as_of": []}
    for q in questions:
        for name, retriever in (("without", without), ("with_as_of", with_as_of)):
            started = time.perf_counter()
            retriever.invoke(q)
            samples[name].append(time.perf_counter() - started)
    return {name: percentiles(values) for name, values in samples.items()}


def time_asks(chain: QAChain, questions: list[str], *, cold: bool) -> dict[str, float]:
    """Retrieval + answer + verification per question (``chain.ask``); ``cold``: a new answerer each time."""
    for q in questions[:5]:
        chain.ask(q)
    samples = []
    for q in questions:
        if cold:
            chain.answerer = make_answerer(chain.settings)
        started = time.perf_counter()
        chain.ask(q)
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def time_asks_paired(chain: QAChain, questions: list[str]) -> dict[str, dict[str, float]]:
    """Retrieval + answer with the fp32 reader and with its int8 copy (``answer.reader_int8``),
    alternately per question, so both see the same load."""
    answerers = {"fp32": make_answerer(chain.settings),
                 "int8": make_answerer(chain.settings.with_overrides(**{"answer.reader_int8": True}))}
    samples: dict[str, list[float]] = {name: [] for name in answerers}
    for n, q in enumerate(questions[:5] + questions):
        for name, answerer in list(answerers.items())[:: 1 if n % 2 else -1]:
            chain.answerer = answerer
            started = time.perf_counter()
            chain.ask(q)
            if n >= 5:
                samples[name].append(time.perf_counter() - started)
    chain.answerer = answerers["fp32"]
    return {name: percentiles(values) for name, values in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=Path, nargs="*", default=[], help="extra article folders to draw sentences from")
    parser.add_argument("--passages", type=int, default=10_000, help="size of the large corpus")
    parser.add_argument("--distinct", type=int, default=1_500, help="passages of it embedded; the rest are copies")
    parser.add_argument("--retrieval-only", action="store_true", help="time retrieval alone, not retrieval + answer")
    args = parser.parse_args()

    questions = [q.question for q in load_questions(ROOT / "eval" / "questions.yaml")]
    for folder in args.pool:
        beside = folder.parent / "questions.yaml"
        if beside.exists():
            questions += [q.question for q in load_questions(beside)][:50]
    since = SearchFilters(since=dt.date(2020, 1, 1))
    results: dict[str, object] = {
        "questions": len(questions), "date": dt.date.today().isoformat(), "load_average": list(os.getloadavg()),
        "corpora": {},
    }

    for name, size in (("seeds", None), (f"synthetic-{args.passages}", args.passages)):
        settings = Settings().with_overrides(data_dir=DATA, collection=f"latency-{name}")
        chain = QAChain(settings)
        if size is None:
            ingest_folder(ROOT / "seeds", chain.index, chain.embedder, settings.chunk, progress=False)
        else:
            build_synthetic(chain, sentence_pool([ROOT / "seeds", *args.pool]), size, args.distinct)
        chain.lexical()  # built here if the collection changed since it was last built
        started = time.perf_counter()
        LexicalIndex.open(chain.index)
        bm25_open = time.perf_counter() - started
        row: dict[str, object] = {"passages": chain.index.count(), "bm25_open_ms": round(1000 * bm25_open, 1)}
        for mode in ("hybrid", "dense"):
            chain.settings = settings.with_overrides(**{"retrieval.mode": mode})
            row[mode] = time_queries(chain, questions)
        chain.settings = settings
        if not args.retrieval_only:
            row["hybrid_ask"] = time_asks(chain, questions, cold=False)
            row["hybrid_ask_cold"] = time_asks(chain, questions, cold=True)
            row["hybrid_ask_fp32_int8_paired"] = time_asks_paired(chain, questions)
        if size is not None:  # synthetic articles all have a date (the seeds' depend on ingest's metadata)
            row["hybrid_since_2020"] = time_queries(chain, questions, since)
            # The as-of date with relative time in every question, so both searches also look in the window:
            # "this week" (a few passages in it) and "this year" (about a tenth of them).
            for phrase in ("this week", "this year"):
                asked = [f"{q.rstrip('?')} {phrase}?" for q in questions]
                for mode in ("hybrid", "dense"):
                    chain.settings = settings.with_overrides(**{"retrieval.mode": mode})
                    row[f"{mode}_as_of_{phrase.replace(' ', '_')}"] = time_queries(chain, asked, as_of=AS_OF)
            chain.settings = settings
            row["hybrid_this_week_paired"] = time_paired(chain, [f"{q.rstrip('?')} this week?" for q in questions], AS_OF)
        results["corpora"][name] = row  # type: ignore[index]
        print(name, json.dumps(row), flush=True)

    results["load_average_after"] = list(os.getloadavg())
    write_results(RESULTS, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
