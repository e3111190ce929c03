"""Check every answer sentence against the passages it cites, before anyone reads it.

Applied to the output of every answer backend (in :class:`qa.chain.QAChain`), so
an LLM that cites the wrong passage, invents a number or follows an instruction
hidden in an article cannot show a sentence that its sources do not support:

- a citation whose quote does not support its sentence is removed;
- a sentence left with no supporting citation is dropped (and listed in
  ``Answer.dropped``);
- the surviving citations are renumbered 1..n in order of use, so every
  ``[n]`` refers to a citation that exists;
- an answer with nothing left becomes a refusal.

Support is judged without an NLI model: no entailment model that runs offline
ships on PyPI for this setup, so a claim is supported when it is quoted verbatim
from the passage, or when the passage contains its numbers and most of its
content words and is semantically close to it (the same embedding model as
retrieval). The same judgement gives the ALCE-style citation metrics in
:mod:`qa.evaluate`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from qa.chunk import split_sentences
from qa.cite import REFUSAL, Answer, Citation
from qa.embed import Embedder
from qa.text import STOPWORDS, content_terms, words

# A paraphrase is supported when the passage has all its numbers and names, at least this share
# of its content words ...
MIN_LEXICAL = 0.5
# ... and its embedding is at least this close to the passage's closest sentence. Set so that
# faithful paraphrases pass and sentences about something else fail (tests/*/test_verify.py);
# word overlap and embeddings cannot see a swapped role or a negation, which an NLI model would.
MIN_SEMANTIC = 0.5

_MARKER = re.compile(r"\s*\[(\d+)\]")
# Notes an answerer adds from the article's metadata, not from its text: not claims to check.
_ANNOTATION = re.compile(r"\s*\((?:as of |that is, |the sources differ)[^)]*\)")
_QUOTE = re.compile(r"[“\"]([^”\"]{8,})[”\"]")
_NUMBER = re.compile(r"\d[\d,.]*")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:['’-][A-Za-z]+)*")
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "gen", "st", "lt", "col", "sgt", "gov", "sen", "rep", "u.s", "u.n", "u.k", "no"}


@dataclass
class Statement:
    """One sentence of an answer and the citation numbers it carries."""

    text: str
    cited: list[int] = field(default_factory=list)

    @property
    def claim(self) -> str:
        """The sentence without its [n] markers and metadata notes ("as of 2015-07-14")."""
        return " ".join(_ANNOTATION.sub("", _MARKER.sub("", self.text)).split())


def split_statements(text: str) -> list[Statement]:
    """Sentences of an answer, each with its markers; a quotation “…” is never split."""
    out: list[Statement] = []
    # Paragraphs, list items, and "X [1]; Y [2]" (values side by side, each with its own citation).
    for paragraph in re.split(r"\n\s*\n|\n(?=[-*•] )|(?<=\])\s*;\s+", text):
        start, in_quote, i = 0, False, 0
        while i < len(paragraph):
            ch = paragraph[i]
            if ch == "“":
                in_quote = True
            elif ch == "”":
                in_quote = False
            elif ch in ".!?" and not in_quote and not _abbreviation(paragraph, i):
                end = re.compile(r"[\"’')]*(?:\s*\[\d+\])*[.]?").match(paragraph, i + 1).end()  # type: ignore[union-attr]
                rest = paragraph[end:]
                if not rest.strip() or (rest[0].isspace() and re.match(r"\s+[A-Z“\"(\[]", rest)):
                    out.append(_statement(paragraph[start:end]))
                    start = end
                i = end
                continue
            i += 1
        out.append(_statement(paragraph[start:]))
    return [s for s in out if s.claim]


def _abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"[\w.]*$", text[:dot])
    return text[dot] == "." and word is not None and (word.group().lower() in _ABBREVIATIONS or len(word.group()) == 1)


def _statement(text: str) -> Statement:
    text = text.strip()
    cited: list[int] = []
    for n in (int(m) for m in _MARKER.findall(text)):
        if n not in cited:
            cited.append(n)
    return Statement(text, cited)


def _normal(text: str) -> str:
    return " ".join(words(text))


# Content words a claim may add around its verbatim quotations ("He said", "according to Reuters").
FRAME_WORDS = 3


def _verbatim(claim: str, evidence: str) -> bool:
    """The claim, or every quotation in it, appears word for word in the evidence; a claim that
    says more than a short frame around its quotations is not verbatim (its own words are judged)."""
    evidence_n = f" {_normal(evidence)} "
    quotes = _QUOTE.findall(claim)
    if quotes:
        framed = len(content_terms(_QUOTE.sub(" ", claim))) <= FRAME_WORDS
        return framed and all(f" {_normal(q)} " in evidence_n for q in quotes)
    claim_n = _normal(claim)
    return bool(claim_n) and f" {claim_n} " in evidence_n


def _names_found(claim: str, evidence: str) -> bool:
    """Every capitalised word inside the claim (a name) occurs in the evidence ("Syria" matches "Syrian")."""
    evidence_words = set(words(evidence))
    for name in (m.group().lower() for m in _NAME.finditer(_QUOTE.sub("", claim))):
        if name in STOPWORDS:
            continue
        if not any(w == name or (len(name) >= 4 and (w.startswith(name) or name.startswith(w) and len(w) >= 4))
                   for w in evidence_words):
            return False
    return True


def lexical_support(claim: str, evidence: str) -> float:
    """Share of the claim's content words found in the evidence; 0 if a number or name of the claim is missing."""
    numbers = {n.rstrip(".,").replace(",", "") for n in _NUMBER.findall(claim)}
    evidence_numbers = {n.rstrip(".,").replace(",", "") for n in _NUMBER.findall(evidence)}
    if not numbers <= evidence_numbers or not _names_found(claim, evidence):
        return 0.0
    terms = set(content_terms(claim))
    if not terms:
        return 0.0
    return len(terms & set(content_terms(evidence))) / len(terms)


class Verifier:
    """Judges whether cited text supports a claim; memoises nothing, embeds only what it must."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def supports(self, pairs: Sequence[tuple[str, str]]) -> list[bool]:
        """For each ``(claim, evidence)``, whether the evidence supports the claim."""
        verdicts: list[bool | None] = []
        semantic: list[int] = []
        for i, (claim, evidence) in enumerate(pairs):
            if _verbatim(claim, evidence):
                verdicts.append(True)
            elif lexical_support(claim, evidence) < MIN_LEXICAL:
                verdicts.append(False)
            else:
                verdicts.append(None)
                semantic.append(i)
        if semantic:
            texts: list[str] = []
            groups: list[tuple[int, int, int]] = []  # claim row, first evidence row, evidence rows
            for i in semantic:
                claim, evidence = pairs[i]
                sentences = [evidence[s.start : s.end] for s in split_sentences(evidence)] or [evidence]
                groups.append((len(texts), len(texts) + 1, len(sentences)))
                texts += [claim, *sentences]
            vectors = self.embedder.embed(texts)
            for i, (c, first, count) in zip(semantic, groups):
                closest = float(np.max(vectors[first : first + count] @ vectors[c]))
                verdicts[i] = closest >= MIN_SEMANTIC
        return [bool(v) for v in verdicts]


def verify_answer(answer: Answer, verifier: Verifier) -> Answer:
    """The answer with unsupported citations and sentences removed and citations renumbered."""
    if answer.refused:
        return answer
    by_n = {c.n: c for c in answer.citations}
    statements = split_statements(answer.answer)
    pairs, owners = [], []
    for s_i, s in enumerate(statements):
        for n in s.cited:
            if n in by_n:
                pairs.append((s.claim, by_n[n].quote))
                owners.append((s_i, n))
    verdicts = verifier.supports(pairs)
    kept: dict[int, list[int]] = {i: [] for i in range(len(statements))}
    for (s_i, n), ok in zip(owners, verdicts):
        if ok:
            kept[s_i].append(n)

    renumber: dict[int, int] = {}
    text, dropped, cursor = "", [], 0
    for s_i, s in enumerate(statements):
        start = answer.answer.find(s.text, cursor)
        gap, cursor = answer.answer[cursor:start], start + len(s.text)
        if not kept[s_i]:
            dropped.append(s.claim)
            continue
        for n in kept[s_i]:
            renumber.setdefault(n, len(renumber) + 1)
        markers = "".join(f" [{renumber[n]}]" for n in kept[s_i])
        text += (gap if text else "") + _with_markers(s.text, markers)
    if not text:
        return answer.model_copy(update={
            "answer": REFUSAL, "short_answer": "", "refused": True, "citations": [], "dropped": dropped,
        })
    citations = [
        by_n[old].model_copy(update={"n": new}) for old, new in sorted(renumber.items(), key=lambda kv: kv[1])
    ]
    return answer.model_copy(update={
        "answer": text, "citations": citations, "dropped": dropped,
    })


def _with_markers(text: str, markers: str) -> str:
    """``text`` with its markers replaced by ``markers``, placed where the first one was."""
    first = _MARKER.search(text)
    bare = _MARKER.sub("", text)
    if first is None:
        return bare + markers
    at = len(_MARKER.sub("", text[: first.start()]))
    return bare[:at] + markers + bare[at:]


def citation_scores(answer: Answer, verifier: Verifier) -> tuple[int, int, int, int]:
    """ALCE-style counts: (sentences, sentences supported by their citations, citations, precise citations).

    A sentence counts as supported when its cited quotes, together, support it (citation
    recall). A citation is precise when it supports its sentence alone, or when the
    sentence is supported with it and not without it (citation precision).
    """
    if answer.refused:
        return 0, 0, 0, 0
    by_n = {c.n: c for c in answer.citations}
    statements = split_statements(answer.answer)
    pairs: list[tuple[str, str]] = []
    plan: list[tuple[Statement, list[Citation]]] = []
    for s in statements:
        cited = [by_n[n] for n in s.cited if n in by_n]
        plan.append((s, cited))
        pairs.append((s.claim, " ".join(c.quote for c in cited)))
        pairs += [(s.claim, c.quote) for c in cited]
        if len(cited) > 1:
            pairs += [(s.claim, " ".join(o.quote for o in cited if o is not c)) for c in cited]
    verdicts = iter(verifier.supports(pairs))
    supported = citations = precise = 0
    for s, cited in plan:
        together = next(verdicts) and bool(cited)
        alone = [next(verdicts) for _ in cited]
        without = [next(verdicts) for _ in cited] if len(cited) > 1 else [False] * len(cited)
        supported += together
        citations += len(s.cited)
        precise += sum(a or (together and not w) for a, w in zip(alone, without))
    return len(statements), supported, citations, precise
