"""Follow-up questions made standalone from the previous turn, without an LLM.

Retrieval sees one question at a time, so "And who announced it?" finds
nothing by itself. A follow-up is recognised by its form, not its topic:

- an ellipsis with a name: "What about Iran?", "And Iran?" — the previous
  question is asked again with its last proper name replaced ("How many
  peshmerga did Iran train?"); without a name ("What about the cost?") it is
  completed like an anaphor, below;
- a singular person pronoun (he, she, him, his, her) when the previous
  question asked for a name and got one — the name takes the pronoun's place
  ("In what year did Nouri al-Maliki visit?");
- any other anaphor (it, that, this, there, they, them, …), a person pronoun
  that cannot be replaced, or a very short question
  ("Why?", "When exactly?") — the previous question's key words and its
  short answer are added in brackets after the anaphor, so the retriever and
  the answerer see what "it" was about ("Who announced it (peshmerga Turkey
  train, 1,600)?").

Everything else is left as typed. The previous turn is the *resolved*
question and its short answer, so follow-ups of follow-ups keep their thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.kinds import Kind, expected_kind
from qa.text import STOPWORDS, WORD

MAX_CONTEXT_TERMS = 8  # key words carried over; more would drown the follow-up's own words
MAX_NAME_WORDS = 5  # a short answer this long or shorter can stand in for a pronoun
SHORT_QUESTION_WORDS = 3  # "Why?", "When exactly?", "Where was it signed?" is already 4

# A singular person pronoun is replaced by the previous answer when that question asked for a name;
# the suffix makes "his minister" "Fidan's minister".
PERSON_PRONOUNS = {"he": "", "she": "", "him": "", "his": "'s", "her": "'s"}
ANAPHORS = frozenset({"it", "its", "that", "this", "these", "those", "there", "then", "they", "them", "their"})
_WH = frozenset({"who", "whom", "whose", "what", "when", "where", "which", "why", "how"})
_LEADING = re.compile(r"^\s*(?:and|but|so|also|then|ok(?:ay)?|well)\b[\s,]*", re.IGNORECASE)
_ABOUT = re.compile(r"^(?:what|how)\s+about\s+(?P<x>.+)$", re.IGNORECASE)
# "that"/"this" before one of these is a conjunction or determiner of a new clause, not an anaphor
_CLAUSE_START = frozenset({"the", "a", "an", "he", "she", "they", "it", "we", "i", "you", "there", "this", "that"})
# "it" before these words within a few tokens is a dummy subject ("is it true that …", "was it hard to …")
_DUMMY_IT_FOLLOWERS = frozenset({"that", "to"})
_PROPER = re.compile(r"\b(?:[A-Z][\w'’-]*)(?:\s+(?:of\s+|the\s+)?[A-Z][\w'’-]*)*")


@dataclass(frozen=True)
class Turn:
    """One answered turn of the conversation: the question as asked of the index, and its short answer."""

    question: str
    answer: str = ""


@dataclass(frozen=True)
class Rewrite:
    """What the user typed and the standalone question to ask instead (equal when it was not a follow-up)."""

    typed: str
    question: str

    @property
    def rewritten(self) -> bool:
        return self.question != self.typed


def resolve(question: str, previous: Turn | None) -> Rewrite:
    """The standalone form of ``question`` given the previous turn (``None`` at the start of a chat)."""
    typed = " ".join(question.split())
    if previous is None or not typed:
        return Rewrite(typed, typed)
    body = _LEADING.sub("", typed).strip() or typed
    had_conjunction = body != typed
    core = body.rstrip(" ?")
    tokens = [m.group() for m in WORD.finditer(core)]
    lowered = [t.lower() for t in tokens]

    about = _ABOUT.match(core)
    bare_subject = had_conjunction and not _WH & set(lowered) and set(lowered) - STOPWORDS - ANAPHORS
    subject = about["x"] if about else core if bare_subject and len(tokens) <= SHORT_QUESTION_WORDS else None
    if subject is not None and subject[:1].isupper():  # "What about Iran?": the same question of another name
        return Rewrite(typed, _replace_last_name(previous.question, subject))

    person = _person_pronoun(tokens)
    name = _as_name(previous.answer) if expected_kind(previous.question) is Kind.NAME else None
    if person is not None and name:
        span = list(WORD.finditer(core))[person]
        resolved = core[: span.start()] + name + PERSON_PRONOUNS[lowered[person]] + core[span.end():]
        return Rewrite(typed, _sentence(resolved))

    anaphor = _anaphor(tokens)
    short = len(tokens) <= SHORT_QUESTION_WORDS and not set(lowered) - _WH - STOPWORDS - {"exactly", "else"}
    if anaphor is None and person is None and not short and subject is None:
        return Rewrite(typed, typed)
    context = _context(previous)
    if not context:
        return Rewrite(typed, _sentence(core) if had_conjunction else typed)
    anchors = [i for i in (anaphor, person) if i is not None]
    if not anchors:
        return Rewrite(typed, _sentence(f"{core} ({context})"))
    cut = list(WORD.finditer(core))[min(anchors)].end()
    return Rewrite(typed, _sentence(f"{core[:cut]} ({context}){core[cut:]}"))


def _sentence(text: str) -> str:
    text = text.strip().rstrip(" ?")
    return text[:1].upper() + text[1:] + "?"


def _person_pronoun(tokens: list[str]) -> int | None:
    return next((i for i, t in enumerate(tokens) if t.lower() in PERSON_PRONOUNS), None)


def _anaphor(tokens: list[str]) -> int | None:
    """Index of the first word that points back to the previous turn, skipping dummy "it" and "that"-clauses."""
    lowered = [t.lower() for t in tokens]
    for i, word in enumerate(lowered):
        if word not in ANAPHORS:
            continue
        following = lowered[i + 1 : i + 4]
        if word in ("that", "this") and i + 1 < len(tokens):
            nxt = tokens[i + 1]
            if nxt[0].isupper() or nxt.lower() in _CLAUSE_START:
                continue
        if word == "it" and _DUMMY_IT_FOLLOWERS & set(following) and i + 4 < len(tokens):
            continue
        if word == "then" and i == 0:
            continue
        return i
    return None


def _as_name(answer: str) -> str | None:
    """The answer, if it reads as a proper name that can replace "he"/"they"."""
    answer = answer.strip().strip(".")
    words = answer.split()
    if not words or len(words) > MAX_NAME_WORDS or any(c.isdigit() for c in answer):
        return None
    capitalised = (any(part[:1].isupper() for part in re.split(r"[-'’]", w)) for w in words)  # "al-Maliki" too
    return answer if words[0][0].isupper() and all(capitalised) else None


def _context(previous: Turn) -> str:
    """The previous question's key words (no question words), then its short answer if it is short."""
    seen: set[str] = set()
    terms = []
    for word in WORD.findall(previous.question):
        low = word.lower()
        if low in STOPWORDS or low in _WH or low in seen:
            continue
        seen.add(low)
        terms.append(word)
    text = " ".join(terms[:MAX_CONTEXT_TERMS])
    answer = previous.answer.strip().rstrip(".")
    if answer and len(answer.split()) <= MAX_CONTEXT_TERMS and answer.lower() not in text.lower():
        text = f"{text}, {answer}" if text else answer
    return text


def _replace_last_name(question: str, subject: str) -> str:
    """``question`` with its last proper name (not its first word) replaced by ``subject``."""
    core = question.strip().rstrip(" ?")
    names = [m for m in _PROPER.finditer(core) if m.start() > 0]
    if not names:
        return _sentence(f"{core}, {subject}")
    last = names[-1]
    return _sentence(core[: last.start()] + subject + core[last.end():])
