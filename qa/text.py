"""Small text helpers shared by the answerer and the eval: tokens, stop words, normalisation."""

from __future__ import annotations

import calendar
import re
import string

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom whose why will
    with would you your yours yourself yourselves according said says say tell told many much long
    did does do did according whom one ones s t""".split()
)

WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters and digits, with inner apostrophes and hyphens)."""
    return [w.replace("’", "'") for w in WORD.findall(text.lower())]


def stem(word: str) -> str:
    """A light suffix stripper: enough to match trained/training/train, forces/force."""
    word = word.removesuffix("'s")
    if len(word) > 4 and word.endswith(("ied", "ies")):
        return word[:-3] + "y"
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def content_terms(text: str) -> list[str]:
    """Stemmed non-stop-word tokens, in order."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]


_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation + "“”‘’")


def normalise_answer(text: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces."""
    text = text.lower().translate(_PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


_MONTH_NAMES = frozenset(m.lower() for m in calendar.month_name if m)
_MONTH_OF = {**{m: m for m in _MONTH_NAMES}, **{m[:3]: m for m in _MONTH_NAMES}, "sept": "september"}
_WEEKDAY_NAMES = frozenset(d.lower() for d in calendar.day_name)
_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)$")


def date_tokens(text: str) -> list[str]:
    """:func:`normalise_answer`'s tokens with dates written one way: months in full ("Nov" and "Sept."
    too), no ordinal suffix ("20th")."""
    out = []
    for t in normalise_answer(text).split():
        ordinal = _ORDINAL.match(t)
        out.append(ordinal.group(1) if ordinal else _MONTH_OF.get(t, t))
    return out


def without_weekdays(tokens: list[str]) -> list[str]:
    """``tokens`` without weekday names: "Thursday, November 12" is "November 12"."""
    return [t for t in tokens if t not in _WEEKDAY_NAMES]


def is_date(tokens: list[str]) -> bool:
    """Whether :func:`date_tokens` name a month: a date, whatever order its day, month and year come in."""
    return any(t in _MONTH_NAMES for t in tokens)
