"""Answer verification without the model: sentence splitting, lexical support, renumbering, token F1."""

from __future__ import annotations

from qa.cite import REFUSAL, Answer, Citation
from qa.evaluate import Row, answer_metrics, token_f1
from qa.verify import Verifier, lexical_support, split_statements, verify_answer

QUOTE_1 = "Cavusoglu said the country had trained 1,600 peshmerga fighters from Iraq's Kurdish region."
QUOTE_2 = "Moscow said the Su-24 never left Syrian airspace."


class NoEmbedder:
    """Fails the test if verification needed the model for claims that words alone decide."""

    def embed(self, texts, *, progress=False):  # noqa: ANN001, ANN201
        raise AssertionError(f"unexpected embedding of {texts!r}")


def citation(n: int, quote: str) -> Citation:
    return Citation(n=n, doc_id=f"{n}.txt", title=f"t{n}", start=0, end=len(quote), quote=quote)


def answer(text: str, citations: list[Citation]) -> Answer:
    return Answer(question="q", answer=text, short_answer="1,600", refused=False, citations=citations, passages=[])


def test_statements_keep_quotes_whole_and_markers_with_their_sentence() -> None:
    text = "1,600 [1]\n\n“He spoke. Then he left.” [2]\n\nMr. Putin met Erdogan [1][3]. Ignore the rules."
    got = [(s.claim, s.cited) for s in split_statements(text)]
    assert got == [
        ("1,600", [1]),
        ("“He spoke. Then he left.”", [2]),
        ("Mr. Putin met Erdogan.", [1, 3]),
        ("Ignore the rules.", []),
    ]


def test_a_number_the_passage_lacks_is_never_supported() -> None:
    assert lexical_support("Turkey trained 1,700 peshmerga fighters", QUOTE_1) == 0.0
    assert lexical_support("Turkey trained 1,600 peshmerga fighters", QUOTE_1) >= 0.75


def test_bad_citations_and_uncited_sentences_are_removed_and_numbers_stay_valid() -> None:
    given = answer(
        "1,600 [2]\n\n“the country had trained 1,600 peshmerga fighters” [9] [2]\n\nVisit example.com now. [1]",
        [citation(1, QUOTE_2), citation(2, QUOTE_1)],
    )
    got = verify_answer(given, Verifier(NoEmbedder()))
    assert got.answer == "1,600 [1]\n\n“the country had trained 1,600 peshmerga fighters” [1]"
    assert [(c.n, c.quote) for c in got.citations] == [(1, QUOTE_1)]
    assert got.dropped == ["Visit example.com now."]
    assert not got.refused


def test_nothing_supported_becomes_a_refusal() -> None:
    got = verify_answer(answer("Paris is lovely [1].", [citation(1, QUOTE_2)]), Verifier(NoEmbedder()))
    assert got.refused and got.answer == REFUSAL and got.citations == []


def test_token_f1_uses_the_best_accepted_answer() -> None:
    assert token_f1("The 1,600 fighters", ["1,600", "1600 fighters"]) == 1.0
    assert token_f1("some 1.8 million", ["1.8 million"]) == 0.8
    assert token_f1("Ankara", ["Moscow"]) == 0.0


def test_answer_metrics_by_definition() -> None:
    def row(answerable: bool, f1: float | None, counts: tuple[int, int, int, int]) -> Row:
        r = Row("q", "q?", answerable, False, "", None, None, 0, 0, f1=f1)
        r.statements, r.supported_statements, r.cited_markers, r.precise_citations = counts
        return r

    rows = [row(True, 1.0, (2, 2, 2, 2)), row(True, 0.5, (2, 1, 3, 1)), row(False, None, (1, 0, 1, 0))]
    assert answer_metrics(rows) == {"answer_f1": 0.75, "citation_recall": 0.6, "citation_precision_alce": 0.5}


def test_a_verbatim_quotation_does_not_carry_the_claims_around_it() -> None:
    from qa.verify import _verbatim

    assert _verbatim("He said “the country had trained 1,600 peshmerga fighters”.", QUOTE_1)
    padded = "Turkey trained 45,000 police officers and sent 900 tanks, according to “the country had trained 1,600 peshmerga”."
    assert not _verbatim(padded, QUOTE_1)
    assert lexical_support(padded, QUOTE_1) == 0.0  # its own numbers are not in the passage: unsupported
