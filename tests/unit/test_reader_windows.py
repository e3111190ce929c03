"""How the reader sees a passage: windows that cover it, labels that land on the answer, spans decoded."""

from __future__ import annotations

import numpy as np
import pytest
from tokenizers import Tokenizer

from qa.embed import PACKAGED_MODEL, resolve_model_path
from qa.reader_windows import best_span, make_windows, pad, token_span

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    from pathlib import Path

    tok = Tokenizer.from_file(str(Path(resolve_model_path(PACKAGED_MODEL)) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def test_a_long_passage_is_read_in_overlapping_windows_that_cover_every_token(tokenizer: Tokenizer) -> None:
    context = " ".join(f"word{i} is here." for i in range(300))
    windows = make_windows(tokenizer, "Where is word150?", context, max_tokens=128, stride=32)
    assert len(windows) > 3 and all(len(w) <= 128 for w in windows)
    covered = {o for w in windows for o in w.offsets if o is not None}
    n_tokens = len(tokenizer.encode(context, add_special_tokens=False).ids)
    assert len(covered) == n_tokens  # nothing falls between windows
    first = windows[0]
    assert first.ids[0] == tokenizer.token_to_id("[CLS]") and first.ids[-1] == tokenizer.token_to_id("[SEP]")
    assert first.type_ids.count(1) == sum(o is not None for o in first.offsets) + 1


def test_labels_land_on_the_answer_tokens_or_on_no_answer(tokenizer: Tokenizer) -> None:
    context = "Turkey had trained 1,600 peshmerga fighters from Iraq's Kurdish region."
    (w,) = make_windows(tokenizer, "How many peshmerga?", context)
    start = context.index("1,600")
    s, e = token_span(w, start, start + len("1,600"))
    assert s > 0 and context[w.offsets[s][0]:w.offsets[e][1]] == "1,600"
    assert token_span(w, len(context) + 5, len(context) + 9) == (0, 0)


def test_the_best_span_stays_inside_the_passage_and_keeps_start_before_end(tokenizer: Tokenizer) -> None:
    context = "Turkey had trained 1,600 peshmerga fighters."
    (w,) = make_windows(tokenizer, "How many?", context)
    n = len(w)
    start, end = np.full(n, -5.0), np.full(n, -5.0)
    start[0] = end[0] = 9.0  # "no answer" scores high but is not a span
    i = next(k for k, o in enumerate(w.offsets) if o and context[o[0]:o[1]] == "1")
    start[i], end[i + 2] = 4.0, 3.0
    end[i - 1] = 8.0  # an end before the start is never taken
    s = best_span(w, start, end, answerable=1.5)
    assert s is not None and context[s.start:s.end] == "1,600"
    assert s.span == 7.0 and s.null == 18.0 and s.margin == -11.0 and s.answerable == 1.5
    ids, mask, types = pad([w, w])
    assert ids.shape == (2, n) and mask.sum() == 2 * n


def test_a_span_never_runs_from_one_line_of_the_passage_into_the_next(tokenizer: Tokenizer) -> None:
    context = "They met on November 20, 2014.\n\nPublished Friday, November 21, 2014"
    (w,) = make_windows(tokenizer, "When did they meet?", context)
    n = len(w)
    start, end = np.full(n, -5.0), np.full(n, -5.0)
    token = {context[o[0]:o[1]]: k for k, o in enumerate(w.offsets) if o}  # the last of equal tokens
    first_november = next(k for k, o in enumerate(w.offsets) if o and context[o[0]:o[1]] == "November")
    start[first_november] = 6.0
    end[token["2014"]] = 6.0  # the second line's "2014": across the paragraph break
    end[first_november + 3] = 1.0  # "2014" of the first line
    s = best_span(w, start, end, answerable=0.0)
    assert s is not None and context[s.start:s.end] == "November 20, 2014"
    assert w.lines[first_november] == 0 and w.lines[token["2014"]] == 2 and w.lines[0] == -1


def test_a_long_question_keeps_its_start_where_its_question_word_is(tokenizer: Tokenizer) -> None:
    from qa.reader_windows import MAX_QUESTION_TOKENS

    clauses = " ".join(["and was reported by The Verge and by TechCrunch in the same week"] * 8)
    (w,) = make_windows(tokenizer, f"Who is the person who ran the company {clauses}?", "Ms Smith ran it.")
    question = tokenizer.decode(w.ids[1:MAX_QUESTION_TOKENS + 1])
    assert w.ids[MAX_QUESTION_TOKENS + 1] == tokenizer.token_to_id("[SEP]") and question.startswith("who is the person")


def test_the_threshold_weighs_answerable_questions_against_each_kind_of_unanswerable_one() -> None:
    from qa.train import choose_threshold

    conf = np.array([3.0, 2.0, 1.5, 1.0, 0.0, -1.0, -2.0])
    has = np.array([True, True, False, True, False, False, False])
    f_answer = np.array([1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0])
    kinds = np.array(["", "", "adversarial", "", "missing", "missing", "missing"])
    got = choose_threshold(conf, has, f_answer, kinds)
    # answering down to 1.0 would score (1 + (0 + 1) / 2) / 2 = 0.75; stopping above the adversarial
    # question's 1.5 loses one answer of three and refuses every unanswerable one: (2/3 + 1) / 2
    assert 1.5 <= got["threshold"] < 2.0 and got["has_answer_f1"] == 0.6667 and got["balanced_f1"] == 0.8333
    assert got["refused_adversarial"] == 1.0 and got["refused_missing"] == 1.0 and got["false_refusal_rate"] == 0.3333
    # as one kind of four unanswerable questions, the adversarial one weighs less: answering it too wins
    plain = choose_threshold(conf, has, f_answer)
    assert plain["threshold"] < 1.0 and plain["balanced_f1"] == 0.875 and plain["refused_unanswerable"] == 0.75
    assert got["no_answer_auc"] == plain["no_answer_auc"] == 0.9167  # 11 of the 12 pairs in order


def test_the_target_operating_point_is_the_lowest_threshold_refusing_the_target_share_of_each_kind() -> None:
    from qa.train import TARGET_REFUSAL, choose_threshold

    assert TARGET_REFUSAL == 0.60
    conf = np.array([3.0, 2.0, 1.2, 1.0, 0.5, 0.0, -1.0, -2.0, -3.0])
    has = np.array([True, True, False, True, True, False, False, False, False])
    f_answer = np.array([1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    kinds = np.array(["", "", "adversarial", "", "", "missing", "missing", "missing", "missing"])
    # the one adversarial question (1.2) must be refused: two answerable ones below it go with it
    at = choose_threshold(conf, has, f_answer, kinds)["at_target_refusal"]
    assert 1.2 <= at["threshold"] < 2.0 and at["false_refusal_rate"] == 0.5 and at["refused_adversarial"] == 1.0
    # as one kind of five, refusing three of them (0.6: -1.0 and below) is enough; every answer is kept
    plain = choose_threshold(conf, has, f_answer)["at_target_refusal"]
    assert -1.0 <= plain["threshold"] < 0.0 and plain["false_refusal_rate"] == 0.0
    assert plain["refused_unanswerable"] == 0.6


def test_windows_of_one_passage_combine_into_its_best_span_and_its_strongest_evidence() -> None:
    from qa.reader_windows import SpanScore, combine

    first, second = SpanScore(0, 5, 3.0, 4.0, -1.0), SpanScore(40, 47, 5.0, 6.0, 0.5)
    both = combine(combine(None, first), second)
    assert (both.start, both.end, both.span) == (40, 47, 5.0)
    assert both.null == 4.0 and both.answerable == 0.5  # the lowest "no answer", the highest answerability
    assert combine(second, first) == both


@pytest.mark.parametrize(("asked", "read"), [
    ("Tom Brady said he is retiring for good this week. How many seasons did he play in the NFL?",
     "How many seasons did he play in the NFL?"),
    ("Today is January 26, 2023. Who chaired the talks?", "Who chaired the talks?"),
    ("Hi! Quick question. Which camp did Turkey set up?", "Which camp did Turkey set up?"),
    ("How many peshmerga did Turkey train?", "How many peshmerga did Turkey train?"),  # one sentence
    ("Pepsi brought back a soda. Wonder?", "Pepsi brought back a soda. Wonder?"),  # too short to stand alone
    ("Tell me about the talks in Ankara.", "Tell me about the talks in Ankara."),  # no question sentence
    ("Did the article about A.J. Dillon's catch report a first down?",  # "A.J." is no sentence end
     "Did the article about A.J. Dillon's catch report a first down?"),
    ("Who met Abadi? And who met Jaafari?", "Who met Abadi? And who met Jaafari?"),  # two questions
])
def test_the_reader_reads_the_question_sentence_that_statements_lead_up_to(asked: str, read: str) -> None:
    from qa.reader_windows import question_sentence

    assert question_sentence(asked) == read
