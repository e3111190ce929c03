"""Pure helpers of the offline answerer: what is quoted around a span, when two spans are one answer, dates."""

from __future__ import annotations

import datetime as dt

from langchain_core.documents import Document

from qa.answer import ExtractiveAnswerer, quote_bounds, resolve_relative, same_answer
from qa.reader import Reading
from qa.reader_windows import SpanScore
from qa.settings import AnswerSettings

TEXT = "Ankara hosted the talks. Turkey had trained 1,600 peshmerga fighters, he said.\nLunch followed."


def test_the_quote_is_the_sentence_that_holds_the_span() -> None:
    start = TEXT.index("1,600")
    a, b = quote_bounds(TEXT, start, start + len("1,600"))
    assert TEXT[a:b] == "Turkey had trained 1,600 peshmerga fighters, he said."


def test_a_span_across_two_sentences_quotes_both() -> None:
    start = TEXT.index("talks")
    a, b = quote_bounds(TEXT, start, TEXT.index("Turkey") + len("Turkey"))
    assert TEXT[a:b] == "Ankara hosted the talks. Turkey had trained 1,600 peshmerga fighters, he said."


def test_two_names_of_one_thing_are_the_same_answer_and_different_numbers_are_not() -> None:
    assert same_answer("Bills", "the Buffalo Bills") and same_answer("1,600", "1600")
    assert not same_answer("1,600", "1,200") and not same_answer("Mike Pence", "Joe Biden")
    assert not same_answer("Buffalo", "Bills")


def test_one_date_written_two_ways_is_the_same_answer_and_two_dates_are_not() -> None:
    assert same_answer("Thursday Nov 12", "Thursday, November 12") and same_answer("Nov 12", "Thursday, November 12")
    assert same_answer("September 20th", "Sept. 20, 2019") and same_answer("May 29, 2020", "29 May 2020")
    assert same_answer("Tuesday", "Tuesday, August 9")
    assert not same_answer("Nov 12", "Nov 13") and not same_answer("September 20, 2019", "September 20, 2018")
    assert not same_answer("Thursday", "Friday") and not same_answer("May 2020", "June 2020")


def test_relative_dates_resolve_against_the_article_date_only() -> None:
    assert resolve_relative("on Tuesday", "2016-08-10") == dt.date(2016, 8, 9)
    assert resolve_relative("Wednesday", "2016-08-10T08:00:00") == dt.date(2016, 8, 10)
    assert resolve_relative("last month", "2016-08-10") is None
    assert resolve_relative("on Tuesday", None) is None


class _FixedReader:
    """Stands in for the model: each passage's span is its first word, with the confidence given."""

    threshold, support_threshold, conflict_threshold = 0.0, 1.0, 2.0

    def __init__(self, confidences: list[float]) -> None:
        self.confidences = confidences

    def read(self, question: str, passages: list[str]) -> list[Reading]:
        return [Reading(SpanScore(0, len(p.split()[0]), c, 0.0, 0.0), c) for p, c in zip(passages, self.confidences)]


def _docs(*texts: str) -> list[Document]:
    return [Document(t, metadata={"doc_id": f"{i}.txt", "title": f"{i}", "passage": 0, "start": 0, "end": len(t),
                                  "rank": i + 1, "score": 0.5}) for i, t in enumerate(texts)]


def test_a_second_article_with_a_different_answer_needs_the_higher_conflict_threshold() -> None:
    docs = _docs("1,600 fighters were trained.", "1,200 fighters were trained.")
    settings = AnswerSettings()
    weak = ExtractiveAnswerer(_FixedReader([3.0, 1.0]), settings).answer("How many?", docs)  # type: ignore[arg-type]
    assert weak.answer.startswith("1,600 [1]\n") and len(weak.citations) == 1
    strong = ExtractiveAnswerer(_FixedReader([3.0, 2.5]), settings).answer("How many?", docs)  # type: ignore[arg-type]
    assert strong.answer.startswith("1,600 [1]; 1,200 [2] (the sources differ)")


def test_a_second_article_with_the_same_answer_needs_the_support_threshold() -> None:
    docs = _docs("Bills won on Sunday.", "Bills fans celebrated.")
    got = ExtractiveAnswerer(_FixedReader([3.0, 1.5]), AnswerSettings()).answer("Who won?", docs)  # type: ignore[arg-type]
    assert got.answer.startswith("Bills [1]\n") and [c.doc_id for c in got.citations] == ["0.txt", "1.txt"]
    # above the answer threshold but not the support threshold: not cited
    weak = ExtractiveAnswerer(_FixedReader([3.0, 0.5]), AnswerSettings()).answer("Who won?", docs)  # type: ignore[arg-type]
    assert [c.doc_id for c in weak.citations] == ["0.txt"]
    refused = ExtractiveAnswerer(_FixedReader([-1.0, -2.0]), AnswerSettings()).answer("Who won?", docs)  # type: ignore[arg-type]
    assert refused.refused and not refused.citations


def _in_window(docs: list[Document], *flags: bool) -> list[Document]:
    for d, flag in zip(docs, flags):
        d.metadata["in_window"] = flag
    return docs


def test_for_a_question_about_this_week_a_confident_span_from_that_week_leads() -> None:
    # the older article's span is more confident; the question asks about the window the newer one is in
    docs = _in_window(_docs("Lopez was elected.", "Becker was elected."), False, True)
    got = ExtractiveAnswerer(_FixedReader([3.0, 2.5]), AnswerSettings()).answer("Who was elected this week?", docs)  # type: ignore[arg-type]
    assert got.answer.startswith("Becker [1]\n") and [c.doc_id for c in got.citations] == ["1.txt"]
    # the older article's different answer is older news, not "the sources differ"
    assert "differ" not in got.answer
    # below the threshold, the newer article does not lead: the confident older one answers
    weak = ExtractiveAnswerer(_FixedReader([3.0, -0.5]), AnswerSettings()).answer("Who was elected this week?", docs)  # type: ignore[arg-type]
    assert weak.answer.startswith("Lopez [1]\n")
    # and two different confident answers from within the window are still shown as differing
    both = _in_window(_docs("Lopez was elected.", "Becker was elected."), True, True)
    differ = ExtractiveAnswerer(_FixedReader([3.0, 2.5]), AnswerSettings()).answer("Who was elected this week?", both)  # type: ignore[arg-type]
    assert differ.answer.startswith("Lopez [1]; Becker [2] (the sources differ)")
