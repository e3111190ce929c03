"""How the span reader sees a question and a passage: token windows, and spans decoded from scores.

Shared by training (:mod:`qa.train`) and answering (:mod:`qa.reader`), so the model reads at
question time exactly what it was trained on: ``[CLS] question [SEP] passage window [SEP]``,
long passages in overlapping windows, position 0 (``[CLS]``) standing for "no answer".
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from qa.chunk import split_sentences

MAX_TOKENS = 256  # a window's length, question and special tokens included
MAX_QUESTION_TOKENS = 64  # a longer question keeps its start, where its question word is
STRIDE = 96  # tokens two consecutive windows of one passage share
MAX_ANSWER_TOKENS = 30


# The question sentence read alone must have at least this many words ("What is it?"; not "Wonder?").
MIN_QUESTION_WORDS = 3
# A sentence opening with one of these is (part of) a question, not a statement leading up to one
# ("Does the article about A.J. Dillon's reception ... report ...?" splits after "A.J.").
_ASKING = frozenset("who whom whose what when where which why how do does did is are was were can could will "
                    "would shall should has have had may might must".split())


def question_sentence(question: str) -> str:
    """What the reader reads of a question: its last sentence when statements lead up to it
    ("Tom Brady said he is retiring for good. How many seasons did he play?"), else all of it.

    The reader was trained on SQuAD's one-sentence questions; a sentence in front of the question
    makes it take the passage for one that does not answer (on held-back training questions led by a
    sentence of their article, has-answer F1 0.61 -> 0.17: ``benchmarks/reader_question_styles.py``).
    Retrieval still sees the whole text, so the passages read are about what the preamble says.
    """
    sentences = [question[s.start:s.end] for s in split_sentences(question)]
    if len(sentences) < 2:
        return question
    last, lead = sentences[-1], sentences[:-1]
    if not last.endswith("?") or len(last.split()) < MIN_QUESTION_WORDS:
        return question
    if any(x.endswith("?") or x.split()[0].lower() in _ASKING for x in lead):
        return question
    return last


@dataclass(frozen=True)
class Window:
    """One model input: a question and a slice of one passage, with each token's place in the passage."""

    ids: list[int]
    type_ids: list[int]
    offsets: list[tuple[int, int] | None]  # character span in the passage; None for question/special tokens
    lines: list[int]  # the passage line each token is on (-1 for question/special tokens): spans stay on one

    def __len__(self) -> int:
        return len(self.ids)


def make_windows(tokenizer, question: str, context: str,  # noqa: ANN001 - tokenizers.Tokenizer
                 max_tokens: int = MAX_TOKENS, stride: int = STRIDE) -> list[Window]:
    """``[CLS] question [SEP] window [SEP]`` for every window of ``context`` (at least one)."""
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    q_ids = tokenizer.encode(question, add_special_tokens=False).ids[:MAX_QUESTION_TOKENS]
    encoded = tokenizer.encode(context, add_special_tokens=False)
    c_ids, c_offsets = encoded.ids, encoded.offsets
    breaks = [i for i, ch in enumerate(context) if ch == "\n"]
    c_lines = [bisect_right(breaks, a) for a, _ in c_offsets]
    budget = max_tokens - len(q_ids) - 3
    step = max(1, budget - stride)
    head = [cls_id, *q_ids, sep_id]
    windows = []
    start = 0
    while True:
        piece = slice(start, start + budget)
        ids = head + c_ids[piece] + [sep_id]
        n = len(c_ids[piece])
        windows.append(Window(
            ids=ids,
            type_ids=[0] * len(head) + [1] * (n + 1),
            offsets=[None] * len(head) + [tuple(o) for o in c_offsets[piece]] + [None],
            lines=[-1] * len(head) + c_lines[piece] + [-1],
        ))
        if start + budget >= len(c_ids):
            return windows
        start += step


def token_span(window: Window, char_start: int, char_end: int) -> tuple[int, int]:
    """The window's token positions covering characters [char_start, char_end), or (0, 0) if it lacks them."""
    first = last = None
    for i, off in enumerate(window.offsets):
        if off is None:
            continue
        if first is None and off[0] <= char_start < off[1]:
            first = i
        if off[0] < char_end <= off[1]:
            last = i
    if first is None or last is None or last < first:
        return 0, 0
    return first, last


def pad(windows: list[Window]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """input_ids, attention_mask, token_type_ids (int64), padded to the longest window."""
    width = max(len(w) for w in windows)
    ids = np.zeros((len(windows), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for row, w in enumerate(windows):
        ids[row, : len(w)] = w.ids
        mask[row, : len(w)] = 1
        types[row, : len(w)] = w.type_ids
    return ids, mask, types


# How a span is weighed against "no answer"; training keeps the rule that scores best on validation.
DECISIONS = ("margin", "answerable", "sum")


def decision_value(kind: str, margin, answerable):  # noqa: ANN001, ANN201 - floats or numpy arrays
    """``margin`` (span minus no-answer logits), the answerability logit, or their sum."""
    return {"margin": margin, "answerable": answerable, "sum": margin + answerable}[kind]


@dataclass(frozen=True)
class SpanScore:
    """The best answer span a window holds, against its "no answer" score."""

    start: int  # characters in the passage
    end: int
    span: float  # start logit + end logit of the span
    null: float  # start logit + end logit at [CLS]
    answerable: float  # the answerability head's logit

    @property
    def margin(self) -> float:
        """How much better the span scores than "no answer"."""
        return self.span - self.null


def best_span(window: Window, start_logits: np.ndarray, end_logits: np.ndarray, answerable: float,
              max_answer_tokens: int = MAX_ANSWER_TOKENS) -> SpanScore | None:
    """The highest-scoring span with start <= end inside the passage part of ``window``, on one line of it
    (an answer never runs from one paragraph into the next: "November 20, 2014.\n\nPublished Friday")."""
    n = len(window)
    allowed = np.array([o is not None for o in window.offsets] + [False] * (len(start_logits) - n))
    s = np.where(allowed, start_logits, -np.inf)
    e = np.where(allowed, end_logits, -np.inf)
    # scores[i, j] = s[i] + e[j] for i <= j < i + max_answer_tokens
    scores = s[:, None] + e[None, :]
    i, j = np.indices(scores.shape)
    lines = np.array(window.lines + [-1] * (len(start_logits) - n))
    scores[(j < i) | (j >= i + max_answer_tokens) | (lines[:, None] != lines[None, :])] = -np.inf
    flat = int(np.argmax(scores))
    a, b = divmod(flat, scores.shape[1])
    if not np.isfinite(scores[a, b]):
        return None
    start_off, end_off = window.offsets[a], window.offsets[b]
    assert start_off is not None and end_off is not None
    return SpanScore(start_off[0], end_off[1], float(scores[a, b]),
                     float(start_logits[0] + end_logits[0]), float(answerable))


def combine(a: SpanScore | None, b: SpanScore) -> SpanScore:
    """Two windows' readings of one passage as one: the better span, the lower "no answer" score
    (the window that reads best rules it out) and the higher answerability."""
    if a is None:
        return b
    span = a if a.span >= b.span else b
    return SpanScore(span.start, span.end, span.span, min(a.null, b.null), max(a.answerable, b.answerable))
