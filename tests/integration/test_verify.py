"""Verification of paraphrased answers with the real embedding model (what an LLM backend writes)."""

from __future__ import annotations

import pytest

from qa.chain import embedder_for
from qa.cite import Answer, Citation
from qa.settings import Settings
from qa.verify import Verifier, citation_scores, verify_answer

TURKEY = (
    "Cavusoglu pledged Ankara's continuing support, saying the country had trained 1,600 peshmerga fighters "
    "from Iraq's autonomous Kurdish region and that there were plans for Iraqi police to be trained in Turkey."
)
JET = "Moscow insists the Su-24 bomber never left Syrian airspace and was shot down over Syria."


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier(embedder_for(Settings()))


def cited(text: str) -> Answer:
    citations = [Citation(n=i, doc_id=f"{i}.txt", title="t", start=0, end=len(q), quote=q)
                 for i, q in enumerate([TURKEY, JET], start=1)]
    return Answer(question="q", answer=text, short_answer="", refused=False, citations=citations, passages=[])


def test_paraphrases_keep_the_right_citation_and_lose_the_wrong_one(verifier: Verifier) -> None:
    got = verify_answer(cited(
        "Turkey trained 1,600 peshmerga fighters from the Kurdish region [2][1]. "
        "Moscow says the jet stayed in Syrian airspace [2]. "
        "Moscow says the bomber was in Turkish airspace [2]. "
        "The weather in Ankara was fine [1]."
    ), verifier)
    assert got.answer == (
        "Turkey trained 1,600 peshmerga fighters from the Kurdish region [1]. "
        "Moscow says the jet stayed in Syrian airspace [2]."
    )
    assert [c.doc_id for c in got.citations] == ["1.txt", "2.txt"]
    assert got.dropped == ["Moscow says the bomber was in Turkish airspace.", "The weather in Ankara was fine."]


def test_alce_counts(verifier: Verifier) -> None:
    answer = cited("Turkey trained 1,600 peshmerga fighters [1][2]. The jet was over Syria [2]. Paris is big [1].")
    # 3 sentences, 2 supported; 4 markers, of which [1] on s1 and [2] on s2 are precise.
    assert citation_scores(answer, verifier) == (3, 2, 4, 2)
