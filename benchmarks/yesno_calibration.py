"""Can the offline answerer answer yes/no questions from its passages? A held-out test on multihop_rag.

Tried for issue 7 and NOT merged: the answer was no (README, "Yes/no questions"). Kept so the
experiment can be re-run, e.g. with a better model.

The method: a yes/no question ("Does 'The Verge' article suggest X, while 'TechCrunch' reports Y?")
is split into claims (X, Y), each tied to the outlets it names (matched loosely against the retrieved
passages' ``outlet``); each claim gets its best-supporting sentence among the retrieved passages of that
outlet, scored two ways:

- ``blend``: the answerer's own support blend (0.7 x semantic + 0.3 x word overlap) with the claim in
  place of the question, over the sentences the answerer scored (its shortlist, int8 vectors remembered);
- ``full_cosine``: plain cosine similarity with the full model, over every sentence of those passages.

The answer would be "Yes" when the weakest claim's score reaches a threshold. The threshold is fitted on
the even-numbered questions and tested on the odd ones, and the reverse, beside always "Yes" and always
"No". Prints the numbers and writes benchmarks/results/yesno_calibration.json.

    QA_DATA_DIR=... python benchmarks/yesno_calibration.py [--questions .../multihop_rag/questions.yaml]
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path

from bench_output import write_results
from langchain_core.documents import Document

from qa.answer import SEMANTIC_WEIGHT, Candidate, ExtractiveAnswerer, _idf, lexical_overlap, sentences_of
from qa.chain import QAChain
from qa.embed import sentence_scorer
from qa.evaluate import collection_for, corpus_for, load_questions
from qa.settings import Settings
from qa.text import content_terms, words

RESULTS = Path(__file__).parent / "results" / "yesno_calibration.json"
DEFAULT_QUESTIONS = Path("/work/shared/bench/multihop_rag/questions.yaml")

AUXILIARIES = frozenset(
    "does do did is are was were has have had can could will would should shall may might must".split()
)
# A scene-setting phrase before the question proper: "Between the report from X and Y, is there ...".
INTRO = re.compile(
    r"^(?:after|before|between|following|given|considering|since|when|based on|in)\b[^?]*?,\s*(?=(?:"
    + "|".join(sorted(AUXILIARIES)) + r")\b)",
    re.I,
)
QUESTION_WORD = re.compile(r",\s*(?:which|who|whom|whose|what|where|how|why)\b", re.I)
CHOICE = re.compile(r"\bor\b", re.I)  # "consistent or inconsistent?": a choice, not yes or no
JOINS = re.compile(r",?\s+(?:while|whereas|but)\s+|,\s+and\s+|;\s+", re.I)
# "'The Verge' article suggests that ...": who claims it, not what is claimed.
FRAME = re.compile(
    r"^.{0,120}?\b(?:suggest|imply|implies|indicate|report|reported|say|state|claim|argue|mention|highlight|"
    r"agree|portray|attribute|discuss|focus(?:es)? on|show|present|describe|detail|confirm|note)s?\s+(?:that\s+)?",
    re.I,
)


@dataclass
class Claim:
    content: str  # what is claimed, without the "'The Verge' article suggests that" frame
    outlets: list[str]  # the retrieved passages' outlets it names (none: any passage)


def is_yes_no(question: str) -> bool:
    """Opens with an auxiliary verb (after any scene-setting phrase) and offers no choice ("X or Y?")."""
    intro = INTRO.match(question.strip())
    if intro and QUESTION_WORD.search(intro.group()):
        return False
    body = question.strip()[intro.end() if intro else 0 :]
    first = words(body[:20])
    return bool(first) and first[0] in AUXILIARIES and not CHOICE.search(body)


def names_outlet(text: str, outlet: str) -> bool:
    """``text`` names ``outlet`` by its words before any " | tagline" ('Cnbc | World Business News Leader' ~ 'CNBC')."""
    key = " ".join(words(outlet.split("|")[0]))
    return bool(key) and f" {key} " in f" {' '.join(words(text))} "


def split_claims(question: str, outlets: list[str]) -> list[Claim]:
    """Clauses joined by while/whereas/but/";"/", and", each with the outlets it (or the opening phrase) names."""
    outlets = list(dict.fromkeys(o for o in outlets if o))
    intro = INTRO.match(question.strip())
    scene = [o for o in outlets if intro and names_outlet(intro.group(), o)]
    body = question.strip()[intro.end() if intro else 0 :].rstrip(" ?.")
    body = re.sub(r"^\s*\w+\s+", "", body, count=1)  # the auxiliary
    claims = []
    for part in JOINS.split(body):
        part = part.strip(" ,")
        if len(words(part)) < 2:
            continue
        named = [o for o in outlets if names_outlet(part, o)]
        content = (FRAME.sub("", part, count=1) if named else part).strip() or part
        claims.append(Claim(content, named or scene))
    return claims


def of_outlets(claim: Claim, doc: Document) -> bool:
    return not claim.outlets or doc.metadata.get("outlet") in claim.outlets


def blend_supports(answerer: ExtractiveAnswerer, question: str, passages: list[Document], claims: list[Claim]) -> list[float]:
    """Each claim's best support among the sentences the answerer scored, by the answerer's blend."""
    ranked: list[Candidate] = answerer.score(question, passages)
    if not ranked:
        return [0.0 for _ in claims]
    scorer = sentence_scorer(answerer.embedder)
    sentence_vectors = answerer._sentence_vectors(ranked, scorer)  # remembered by score(): no new model call
    idf = _idf(ranked)
    out = []
    for claim, vector in zip(claims, scorer.embed([c.content for c in claims])):
        terms = content_terms(claim.content)
        out.append(max((
            SEMANTIC_WEIGHT * (0.75 * float(sim) + 0.25 * float(c.passage.metadata.get("score", sim)))
            + (1 - SEMANTIC_WEIGHT) * lexical_overlap(terms, c.terms, idf)
            for c, sim in zip(ranked, sentence_vectors @ vector) if of_outlets(claim, c.passage)
        ), default=0.0))
    return out


def cosine_supports(chain: QAChain, passages: list[Document], claims: list[Claim]) -> list[float]:
    """Each claim's best cosine similarity, full model, over every sentence of its outlets' passages."""
    sentences = sentences_of(passages)
    if not sentences:
        return [0.0 for _ in claims]
    vectors = chain.embedder.embed([c.text for c in sentences] + [c.content for c in claims])
    sv, cv = vectors[: len(sentences)], vectors[len(sentences) :]
    return [
        max((float(s @ v) for c, s in zip(sentences, sv) if of_outlets(claim, c.passage)), default=0.0)
        for claim, v in zip(claims, cv)
    ]


def accuracy(points: list[tuple[float, bool]], t: float) -> float:
    return sum((s >= t) == yes for s, yes in points) / len(points)


def best_threshold(points: list[tuple[float, bool]]) -> float:
    """The threshold ("Yes" when the weakest claim scores >= it) right most often on ``points``."""
    scores = sorted({s for s, _ in points})
    cuts = [scores[0] - 1e-3] + [(a + b) / 2 for a, b in zip(scores, scores[1:])] + [scores[-1] + 1e-3]
    return max(cuts, key=lambda t: accuracy(points, t))


def auc(points: list[tuple[float, bool]]) -> float:
    """How often a "Yes" question's weakest claim outscores a "No" question's (0.5: no signal)."""
    pos = [s for s, y in points if y]
    neg = [s for s, y in points if not y]
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def held_out(points: dict[int, list[tuple[float, bool]]]) -> dict[str, object]:
    report: dict[str, object] = {}
    right = 0
    for fit, test in ((0, 1), (1, 0)):
        t = best_threshold(points[fit])
        right += round(accuracy(points[test], t) * len(points[test]))
        report[f"fit_on_{('even', 'odd')[fit]}"] = {
            "threshold": round(t, 4), "fit_accuracy": round(accuracy(points[fit], t), 3),
            "held_out_questions": len(points[test]), "held_out_accuracy": round(accuracy(points[test], t), 3),
            "held_out_always_yes": round(sum(y for _, y in points[test]) / len(points[test]), 3),
        }
    both = points[0] + points[1]
    report["held_out_accuracy_pooled"] = round(right / len(both), 3)
    report["always_yes_pooled"] = round(sum(y for _, y in both) / len(both), 3)
    report["auc"] = round(auc(both), 3)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    args = parser.parse_args()
    settings = Settings()
    corpus = corpus_for(args.questions, None, settings)
    chain = QAChain(settings.with_overrides(collection=collection_for(corpus)))
    assert isinstance(chain.answerer, ExtractiveAnswerer)
    blend: dict[int, list[tuple[float, bool]]] = {0: [], 1: []}
    cosine: dict[int, list[tuple[float, bool]]] = {0: [], 1: []}
    gold_yes_no = not_detected = 0
    for q in load_questions(args.questions):
        gold = [a.lower() for a in q.answers]
        if gold not in (["yes"], ["no"]):
            continue
        gold_yes_no += 1
        if not is_yes_no(q.question):
            not_detected += 1
            continue
        passages = chain.retrieve(q.question)
        claims = split_claims(q.question, [str(d.metadata.get("outlet") or "") for d in passages])
        half = int(q.id.rsplit("_", 1)[1]) % 2
        yes = gold == ["yes"]
        blend[half].append((min(blend_supports(chain.answerer, q.question, passages, claims), default=0.0), yes))
        cosine[half].append((min(cosine_supports(chain, passages, claims), default=0.0), yes))
    report = {
        "questions": str(args.questions), "gold_yes_no": gold_yes_no,
        "not_detected_as_yes_no": not_detected, "scored": len(blend[0]) + len(blend[1]),
        "blend": held_out(blend), "full_cosine": held_out(cosine),
    }
    print(json.dumps(report, indent=2))
    write_results(RESULTS, report)


if __name__ == "__main__":
    main()
