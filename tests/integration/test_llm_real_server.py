"""The LLM backend against a real model: llama.cpp's OpenAI-compatible server (xllamacpp) serving
SmolLM2-135M-Instruct on 127.0.0.1 (tests/integration/llm_server.py).

The model is tiny and weak: it rarely cites, and often writes what no passage says. So these tests
assert what must hold whatever it writes: every citation shown exists and quotes its passage's exact
span of the article; no sentence reaches the reader unless its citations support it; a reply with
nothing supported is the refusal; the stream grows and ends; a server that is too slow or gone is a
one-line error. Two servers: ``plain`` answers as the model likes (with this model: no citations,
so refusals), ``cited`` is held by a grammar to qa's answer format (sentences ending in [1] or [2],
or the refusal), so citations and verification meet real model text every run.

Kept fast: the servers cap every reply (qa sends no max_tokens): 48 tokens, 96 for the cited one; 2
passages per question; and the prompt's fence is fixed, so prompts repeat and the server reuses its cache.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.chain import QAChain
from qa.cite import REFUSAL, Answer, check_citations, render_text
from qa.llm import LLMAnswerer, LLMUnavailable
from qa.retrieve import SearchFilters
from qa.settings import Settings
from qa.verify import split_statements, verify_answer
from tests.conftest import PESHMERGA, ROOT, SEEDS
from tests.integration.llm_server import LocalLLM, unavailable

K = 2  # passages per question: a short prompt (~400-700 tokens), and the grammar's citation numbers
MAX_TOKENS = 96
# qa's answer format as a GBNF grammar: the refusal, or 1-3 sentences each ending in a passage number;
# a sentence has at most 80 characters, so the first one is complete within MAX_TOKENS whatever the tokens.
CITED = rf'''root ::= "{REFUSAL}" | sentence (" " sentence){{0,2}}
sentence ::= [A-Z] [^\[\]\n<>.!?]{{3,78}} " [" [1-{K}] "]."
'''
UNANSWERABLE = "Which pizza topping does Erdogan like?"
PILOTS = "How many pilots were on board the Russian warplane Turkey shot down?"
QUESTIONS = [PILOTS, UNANSWERABLE]  # asked of the cited server (PESHMERGA goes to the plain one)


def _server(max_tokens: int, grammar: str | None = None) -> Iterator[LocalLLM]:
    reason = unavailable()
    if reason:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):  # CI installs both (make install): a skip there would hide a broken install
            pytest.fail(f"the real LLM server cannot run: {reason}")
        pytest.skip(reason)
    with LocalLLM(max_tokens=max_tokens, grammar=grammar) as server:
        yield server


@pytest.fixture(scope="session")
def plain_llm() -> Iterator[LocalLLM]:
    yield from _server(max_tokens=48)


@pytest.fixture(scope="session")
def cited_llm() -> Iterator[LocalLLM]:
    yield from _server(max_tokens=MAX_TOKENS, grammar=CITED)


@pytest.fixture(scope="module", autouse=True)
def fixed_fence() -> Iterator[None]:
    """The same prompt for the same question: replies repeat (temperature 0) and the prompt cache is reused."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("qa.prompts.fence", lambda: "0f1e2d3c4b5a")
        yield


def _settings(data_dir: Path, base_url: str, **more: object) -> Settings:
    return Settings(data_dir=data_dir, corpus_dir=SEEDS).with_overrides(**{
        "answer.backend": "llm", "llm.base_url": base_url, "llm.model": "smollm2-135m",
        "retrieval.k": K, "retrieval.context_sentences": 0, **more,
    })


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory, plain_llm: LocalLLM) -> QAChain:
    chain = QAChain(_settings(tmp_path_factory.mktemp("llm-data"), plain_llm.base_url))
    chain.ensure_ingested(log=lambda _: None)
    assert isinstance(chain.answerer, LLMAnswerer)
    return chain


def chain_on(chain: QAChain, base_url: str, **more: object) -> QAChain:
    """Another chain over the same index and embedder, asking another server (or with other settings)."""
    return QAChain(_settings(chain.settings.data_dir, base_url, **more), index=chain.index, embedder=chain.embedder)


@pytest.fixture(scope="module")
def cited(chain: QAChain, cited_llm: LocalLLM) -> QAChain:
    return chain_on(chain, cited_llm.base_url)


@pytest.fixture(scope="module")
def articles(chain: QAChain) -> dict[str, str]:
    return {a.doc_id: chain.index.article(a.doc_id).text for a in chain.index.articles()}  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def replies(cited: QAChain) -> dict[str, tuple[Answer, Answer]]:
    """Each question's (reply as parsed, before verification; answer as shown) from the cited server."""
    out = {}
    for q in QUESTIONS:
        raw = cited.answerer.answer(q, cited.retrieve(q))
        out[q] = raw, verify_answer(raw, cited.verifier)
    return out


def assert_shown_answer_is_sound(answer: Answer, chain: QAChain, articles: dict[str, str]) -> None:
    """What must hold for any answer shown to a reader, whatever the model wrote."""
    assert check_citations(answer, articles) == []  # every [n] exists; every quote is its article's span
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    used = [int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)]
    assert sorted(set(used)) == [c.n for c in answer.citations], "a citation that no sentence uses"
    passages = {(p.doc_id, p.start, p.end) for p in answer.passages}
    for c in answer.citations:
        assert (c.doc_id, c.start, c.end) in passages, "the LLM backend cites whole retrieved passages"
    if answer.refused:
        assert (answer.answer, answer.short_answer, answer.citations) == (REFUSAL, "", [])
        return
    for s in split_statements(answer.answer):
        assert s.cited, f"a sentence without a citation was shown: {s.text!r}"
    again = verify_answer(answer, chain.verifier)  # every sentence shown is supported by what it cites
    assert again.dropped == [] and again.answer == answer.answer


def test_the_stream_grows_and_ends(chain: QAChain, articles: dict[str, str]) -> None:
    passages = chain.retrieve(PESHMERGA)
    started = time.monotonic()
    texts = list(chain.answerer.stream_text(PESHMERGA, passages))  # type: ignore[attr-defined]
    assert time.monotonic() - started < 60
    assert len(texts) >= 2 and texts[-1].strip(), "the server streams its reply in pieces"
    assert all(b.startswith(a) for a, b in itertools.pairwise(texts)), "each item is the whole text so far"
    steps = list(chain.ask_stream(PESHMERGA))
    assert steps and steps[-1].question == PESHMERGA
    for step in steps:
        assert_shown_answer_is_sound(step, chain, articles)


def test_streamed_answers_show_only_verified_sentences(cited: QAChain, articles: dict[str, str]) -> None:
    steps = list(cited.ask_stream(PILOTS))
    for step in steps:
        assert_shown_answer_is_sound(step, cited, articles)
    shown = {s.claim for step in steps if not step.refused for s in split_statements(step.answer)}
    final = {s.claim for s in split_statements(steps[-1].answer)} if not steps[-1].refused else set()
    assert shown <= final, "a sentence shown while streaming is not in the final answer"


def test_citations_name_retrieved_passages_and_quote_their_exact_span(
    replies: dict[str, tuple[Answer, Answer]], cited: QAChain, articles: dict[str, str]
) -> None:
    cited_any = False
    for raw, shown in replies.values():
        if not raw.refused:  # the grammar makes the model end each sentence with [1] or [2]
            assert raw.citations, raw.answer
            cited_any = True
        for c in raw.citations:
            passage = next(p for p in raw.passages if (p.doc_id, p.start, p.end) == (c.doc_id, c.start, c.end))
            assert c.quote == passage.text == articles[c.doc_id][c.start : c.end]
        assert_shown_answer_is_sound(shown, cited, articles)
    assert cited_any or all(raw.refused for raw, _ in replies.values())


def test_verification_drops_every_sentence_its_passages_do_not_support(
    replies: dict[str, tuple[Answer, Answer]], cited: QAChain, articles: dict[str, str]
) -> None:
    for raw, shown in replies.values():
        if raw.refused:
            continue
        claims = [s.claim for s in split_statements(raw.answer)]
        kept = [s.claim for s in split_statements(shown.answer)] if not shown.refused else []
        assert sorted(kept + shown.dropped) == sorted(claims), "each sentence is either shown or dropped"
        assert shown.refused == (not kept)
        assert_shown_answer_is_sound(shown, cited, articles)
    # the end-to-end path does the same
    answer = cited.ask(PILOTS)
    assert_shown_answer_is_sound(answer, cited, articles)


def test_nothing_supported_is_the_refusal(
    chain: QAChain, replies: dict[str, tuple[Answer, Answer]], articles: dict[str, str]
) -> None:
    for raw, shown in [*replies.values(), _raw_and_shown(chain, UNANSWERABLE)]:
        nothing_supported = raw.refused or len(shown.dropped) == len(split_statements(raw.answer))
        assert shown.refused == nothing_supported
        if shown.refused:
            assert shown.answer == REFUSAL and shown.citations == [] and shown.passages
            assert "Closest passages:" in render_text(shown)
    answer = chain.ask(UNANSWERABLE)
    assert_shown_answer_is_sound(answer, chain, articles)
    # No passage at all (nothing published after 2100): the refusal, without asking the model.
    none = chain.ask(UNANSWERABLE, filters=SearchFilters(since=dt.date(2100, 1, 1)))
    assert none.refused and none.answer == REFUSAL and none.passages == []


def _raw_and_shown(chain: QAChain, question: str) -> tuple[Answer, Answer]:
    raw = chain.answerer.answer(question, chain.retrieve(question))
    return raw, verify_answer(raw, chain.verifier)


def test_a_stopped_server_is_a_clear_error(chain: QAChain) -> None:
    with LocalLLM(max_tokens=8) as gone:
        url = gone.base_url
    stopped = chain_on(chain, url, **{"llm.timeout": 5})
    for ask in (stopped.ask, lambda q: list(stopped.ask_stream(q))):
        with pytest.raises(LLMUnavailable) as error:
            ask(PESHMERGA)
        assert str(error.value).startswith(f"the LLM at {url} did not answer: ") and "\n" not in str(error.value)


def test_a_too_slow_server_is_a_one_line_error_on_the_command_line(chain: QAChain, plain_llm: LocalLLM) -> None:
    slow = chain_on(chain, plain_llm.base_url, **{"llm.timeout": 0.05})  # the model needs seconds
    started = time.monotonic()
    with pytest.raises(LLMUnavailable, match="did not answer: .*Timeout"):
        slow.ask("How long is Turkey's combined border with Syria and Iraq?")  # a new prompt: not in the cache
    assert time.monotonic() - started < 10
    env = {
        **os.environ, "HF_HUB_OFFLINE": "1", "QA_DATA_DIR": str(chain.settings.data_dir),
        "QA_ANSWER__BACKEND": "llm", "QA_LLM__BASE_URL": plain_llm.base_url, "QA_LLM__TIMEOUT": "0.05",
        "QA_RETRIEVAL__K": str(K), "QA_RETRIEVAL__CONTEXT_SENTENCES": "0",
    }
    result = subprocess.run([sys.executable, "-m", "qa", "ask", PESHMERGA], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2 and result.stdout == ""
    assert "Traceback" not in result.stderr
    assert re.fullmatch(
        rf"qa ask: error: the LLM at {re.escape(plain_llm.base_url)} did not answer: \w*Timeout\w*: .*\n", result.stderr
    ), result.stderr
