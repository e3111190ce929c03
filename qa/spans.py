"""Typed short spans in a sentence: quantities, dates, names and places.

Used by the extractive answerer to give the short answer a question asks for
("How many ...?" → "1,600"). Pure regular expressions over the sentence; a
span is ``(start, end, kind)`` relative to the sentence.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from enum import Enum

from qa.text import STOPWORDS, WORD, content_terms, stem


class Kind(str, Enum):
    NUMBER = "number"
    DATE = "date"
    NAME = "name"  # a person or an organisation
    PLACE = "place"
    SENTENCE = "sentence"  # no short span: answer with the sentence


_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAYS = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_DATE = re.compile(
    rf"\b(?:"
    rf"\d{{4}}-\d{{2}}-\d{{2}}"  # 2015-07-14
    rf"|(?:{_WEEKDAYS},?\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}(?:,?\s+\d{{4}})?"  # 14 Jul 2015
    rf"|(?:{_WEEKDAYS},?\s+)?{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"  # December 25, 2014
    rf"|(?:(?:early|mid|late)[- ])?{_MONTHS}\s+\d{{4}}"  # September 2014
    rf"|(?:(?:early|mid|late)[- ])?(?:1[5-9]|20)\d{{2}}s?"  # 2015, 1990s
    rf"|(?:(?:last|next|this|on|early|late)\s+)?{_WEEKDAYS}"  # on Tuesday
    rf"|(?:last|next|this)\s+(?:week|month|year)"
    rf")\b"
)
_NUMBER_WORDS = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundred|hundreds|thousand|thousands|dozen|dozens|half|a few|several)"
)
_SCALE = (
    r"(?:[\s-]?(?:%|per ?cent|percent|million|billion|trillion|thousand|hundred|bn\b|m\b))?"
    r"(?:\s(?:km|kilomet(?:er|re)s?|miles?|met(?:er|re)s?|tons?|tonnes?|barrels?|dollars?|euros?|years?|"
    r"months?|weeks?|days?|hours?|minutes?)\b)?"
)
_NUMBER = re.compile(
    rf"(?:(?:US|A|C)?[$€£]\s?)?"
    rf"(?:\b\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\b\d+(?:\.\d+)?)(?:\s?[-–]\s?\d+(?:\.\d+)?)?{_SCALE}"
    rf"|\b{_NUMBER_WORDS}(?:[- ]{_NUMBER_WORDS})*\b{_SCALE}",
    re.IGNORECASE,
)
# A capitalised word, optionally with a lower-case particle prefix (al-Abadi) or inner capitals.
# A possessive ('s) ends a run: "Iraq's Haider al-Abadi" is two names.
_CAP = r"(?:(?:al|el|bin|ibn|de|van|von)-)?[A-Z][\w.-]*(?:['’](?!s\b)\w+)*"
_NAME = re.compile(rf"{_CAP}(?:\s+(?:(?:al|bin|ibn|de|da|van|von|of|the|and)\s+)?{_CAP})*(?:['’]s\b)?")
_PLACE_CUES = re.compile(r"\b(?:in|at|from|to|near|outside|inside|into|across|towards?|out of)\s+$", re.IGNORECASE)

# Leading words of a capitalised run that are titles or roles, not names.
TITLE_WORDS = frozenset(
    """president prime minister foreign defence defense interior secretary spokesman spokeswoman
    spokesperson general gen chief head leader king queen prince senator governor mayor commander
    undersecretary ambassador minister's deputy director officer top mr mrs ms dr sir lord former
    acting vice new state national""".split()
)
_DEMONYM = re.compile(
    r"^(?:[A-Z][a-z]+(?:ish|ian|ese|ean)|Iraqi|Israeli|Saudi|Kuwaiti|Pakistani|Afghan|Bangladeshi|Emirati|Yemeni|"
    r"Omani|Qatari|Bahraini|Somali|Nepali|Azerbaijani|Thai|Shiite|Shia|Sunni|Dutch|French|Greek|Swiss|Czech)$"
)
# Words that describe an organisation rather than name it, when left alone after trimming.
_GENERIC = frozenset("ministry office government forces state department agency council army".split())


@dataclass(frozen=True)
class TypedSpan:
    start: int
    end: int
    kind: Kind
    text: str


_RELATIVE = re.compile(rf"^(?:(?:last|next|this|on|early|late)\s+)?(?:{_WEEKDAYS}|week|month|year)$", re.IGNORECASE)


def is_relative(date: str) -> bool:
    """A date that only means something next to the day it was written ("on Tuesday", "last month")."""
    return bool(_RELATIVE.match(date.strip()))


def dates(sentence: str) -> list[TypedSpan]:
    return [TypedSpan(m.start(), m.end(), Kind.DATE, m.group()) for m in _DATE.finditer(sentence)]


def _overlaps(span: TypedSpan, others: list[TypedSpan]) -> bool:
    return any(span.start < o.end and o.start < span.end for o in others)


def numbers(sentence: str) -> list[TypedSpan]:
    taken = dates(sentence)
    found = []
    for m in _NUMBER.finditer(sentence):
        span = TypedSpan(m.start(), m.end(), Kind.NUMBER, m.group().strip())
        if span.text and not _overlaps(span, taken):
            found.append(span)
    return found


def names(sentence: str, kind: Kind = Kind.NAME) -> list[TypedSpan]:
    """Runs of capitalised words, with leading titles, roles and demonyms trimmed off."""
    found = []
    taken = dates(sentence)
    for m in _NAME.finditer(sentence):
        tokens = list(re.finditer(r"\S+", m.group()))
        # Drop leading stop words (sentence-initial 'The') and titles; a demonym goes when a title or
        # another demonym follows ("Turkish Foreign Minister X") or it stands alone, and stays in a
        # name ("Scottish Parliament").
        while tokens and (
            tokens[0].group().lower().strip("'’") in STOPWORDS
            or tokens[0].group().lower() in TITLE_WORDS
            or (_DEMONYM.match(tokens[0].group()) and (
                len(tokens) == 1 or tokens[1].group().lower() in TITLE_WORDS or _DEMONYM.match(tokens[1].group())
            ))
        ):
            tokens.pop(0)
        while tokens and tokens[-1].group().lower() in {"of", "the", "and", "al", "bin", "de"}:
            tokens.pop()
        if not tokens or (len(tokens) == 1 and tokens[0].group().lower() in _GENERIC):
            continue
        if m.start() + tokens[0].start() == 0 and len(tokens) == 1 and sentence[tokens[0].end():].startswith(","):
            continue  # "Separately, ..." / "However, ..."
        start, end = m.start() + tokens[0].start(), m.start() + tokens[-1].end()
        text = re.sub(r"['’]s?$", "", sentence[start:end].rstrip(".,"))
        span = TypedSpan(start, start + len(text), kind, text)
        if len(text) < 2 or _overlaps(span, taken):
            continue
        if kind is Kind.PLACE and not _PLACE_CUES.search(sentence[:start]):
            continue
        found.append(span)
    return found


def find(sentence: str, kind: Kind) -> list[TypedSpan]:
    """All spans of ``kind`` in ``sentence``, left to right."""
    if kind is Kind.NUMBER:
        return numbers(sentence)
    if kind is Kind.DATE:
        return dates(sentence)
    if kind in (Kind.NAME, Kind.PLACE):
        return names(sentence, kind)
    return []


_KIND_CUES: list[tuple[re.Pattern[str], Kind]] = [
    (re.compile(r"\bhow (?:many|much|far|long|large|big|old|often)\b|\bwhat (?:number|percentage|amount|share|proportion)\b|\bnumber of\b", re.I), Kind.NUMBER),
    (re.compile(r"\bwhen\b|\bwhat (?:year|date|day|month|time)\b|\bwhich (?:year|date|day|month)\b|\bin what year\b|\bdate\b", re.I), Kind.DATE),
    (re.compile(r"\bwhere\b|\bwhich (?:country|city|town|region|province|place|state|village)\b|\bwhat (?:country|city|town|region|province|place|state)\b|\blocation\b", re.I), Kind.PLACE),
    (re.compile(r"\bwho(?:m|se)?\b|\b(?:which|what)\b(?:\s+[\w-]+){0,2}\s+(?:person|people|leader|minister|official|president|commander|general|king|queen|company|firm|organi[sz]ation|group|team|party|agency|newspaper|outlet|channel|network|force|militia|body|council|man|woman|player|director|author|artist|band)s?\b|\bname of\b", re.I), Kind.NAME),
]


_WH = re.compile(r"\b(?:who|whom|whose|what|when|where|which|why|how)\b", re.IGNORECASE)
_WHICH_NOUN = re.compile(r"\bwhich\s+(?!(?:is|was|are|were|of|did|does|do|has|have|had)\b)[a-z]", re.IGNORECASE)


def expected_kind(question: str) -> Kind:
    """The kind of span a question asks for, from its wh-phrase; SENTENCE when it asks for none."""
    first = _WH.search(question)
    matches = [
        (m.start(), kind) for pattern, kind in _KIND_CUES if (m := pattern.search(question))
        # A later wh-word opens a clause, not the question: "What did he call Daesh when ..." asks no date.
        if not (first and m.start() > first.start() and _WH.match(question, m.start()))
    ]
    if matches:
        return min(matches)[1]
    # "Which camp ...", "which movie ...": an instance of a named class, most often a name.
    return Kind.NAME if first and _WHICH_NOUN.match(question, first.start()) else Kind.SENTENCE


_POSSESSIVE = re.compile(r"['’]s\b")
_BY_CUE = re.compile(r"\bby\s+$", re.IGNORECASE)
# A news outlet or person named as the source of a report ("..., Press TV reported", "according to
# Reuters") is who told the story, not who did what the question asks, unless the question asks who
# said or reported it.
_REPORTED_BY = re.compile(r"^[,\s]*(?:reported|reports|said|says|told|wrote|quoted)\b", re.IGNORECASE)
_ACCORDING_TO = re.compile(r"\b(?:according to|told|quoted by|cited by)\s+$", re.IGNORECASE)
SOURCE_COST = 1.0
_COUNTED = re.compile(r"\bhow many\s+((?:[\w'’-]+\s+){0,3}?[\w'’-]+?)\s+(?:are|is|was|were|did|do|does|has|have|had|will|would|can|could)\b", re.IGNORECASE)
# "which Iraqi president did ...", "what is the name of the camp ...": the noun the answer is an instance of.
_PHRASE = r"\s+((?:[\w'’-]+\s+){0,3}[\w'’-]+)"
_HEAD = re.compile(
    rf"\b(?:(?:which|what)(?:\s+(?:is|was|are|were)\s+(?:the|a|an))?|who\s+(?:is|was|are|were)\s+(?:the|a|an))"
    rf"{_PHRASE}",
    re.IGNORECASE,
)
_NAME_OF = re.compile(rf"\bname of(?: the| a)?{_PHRASE}", re.IGNORECASE)
# For a date question, the part of a date it names ("in which month"): a span without it does not answer.
_UNITS = {"year": re.compile(r"\b\d{4}s?\b"), "month": re.compile(rf"\b{_MONTHS}")}
_UNIT_CUE = re.compile(r"\b(?:what|which)\s+(year|month)\b", re.IGNORECASE)
_IRREGULAR = {"won": "win", "led": "lead", "took": "take", "made": "make", "became": "become", "bought": "buy",
              "sold": "sell", "wrote": "write", "held": "hold", "met": "meet", "gave": "give", "told": "tell",
              "left": "leave", "ran": "run", "chose": "choose", "beat": "beat", "found": "find", "sang": "sing"}
# Verbs that end a wh-phrase ("which country won ..."): not its head noun.
_PHRASE_END = frozenset(
    "did does do is was were are has have had will would can could became become of in at for went came got said".split()
) | _IRREGULAR.keys()
# "Who won ...?": the name right before the question's verb is its subject ("Hideki Matsuyama wins").
_WHO_VERB = re.compile(
    r"^\s*who\s+(?!(?:is|was|are|were|will|would|has|have|had|did|does|do)\b)([a-z]+)", re.IGNORECASE
)
_AUXILIARIES = frozenset("has have had was were is are will would also".split())
# A "when" asks for the most precise date given: cost lost per part (month, day, year) a date names.
DATE_DETAIL = 0.25
_DATE_PARTS = re.compile(rf"\b(?:{_MONTHS}|\d{{1,2}}(?:st|nd|rd|th)?(?=\W|$)|\d{{4}})", re.IGNORECASE)
POSSESSIVE_COST = 0.5  # half a head noun: "Maliki's visit" may still answer, "Iraq's Prime Minister" rarely
_NEAR_HEAD = 3  # words between a span and the question's head noun that still make it "the X" the question asks for


@dataclass(frozen=True)
class Focus:
    """What a question asks for: the span kind, its head noun, a date unit, the words it already uses."""

    kind: Kind
    terms: frozenset[str]  # the question's content terms: a span that repeats them is not the answer
    head: str | None = None  # stemmed head noun of the wh-phrase ("president", "camp", "channel")
    unit: str | None = None  # "year" or "month" for "in which month/year ..."
    counted: frozenset[str] = frozenset()  # what a "how many X" counts
    verb: str | None = None  # the verb of "who <verb> ...", as a base form ("won" → "win")


def question_focus(question: str) -> Focus:
    """Parse the wh-phrase of ``question`` into the answer it expects."""
    kind = expected_kind(question)
    unit = m.group(1).lower() if kind is Kind.DATE and (m := _UNIT_CUE.search(question)) else None
    return Focus(
        kind=kind, terms=frozenset(content_terms(question)), head=_head_noun(question), unit=unit,
        counted=frozenset(counted_terms(question)) if kind is Kind.NUMBER else frozenset(),
        verb=_verb_base(m.group(1)) if (m := _WHO_VERB.match(question)) else None,
    )


def _verb_base(word: str) -> str:
    """A verb's base form, roughly: "won" → "win", "wins" → "win", "acquired" → "acquir"."""
    word = word.lower()
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    for suffix in ("ing", "ed", "es", "s", "e", "d"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


_REPORTING_VERBS = {_verb_base(w) for w in ("reported", "said", "says", "told", "wrote", "quoted", "announced", "stated")}


def _before_verb(sentence: str, span: TypedSpan, verb: str) -> bool:
    """The span is the subject of the question's verb: "Joaquin Phoenix wins", "Kerber has won"."""
    following = [w.group().lower() for w in WORD.finditer(sentence[span.end :][:40])][:3]
    while following and following[0] in _AUXILIARIES:
        following.pop(0)
    return bool(following) and _verb_base(following[0]) == verb


def _head_noun(question: str) -> str | None:
    """The last word of the wh-phrase before its verb: "which Iraqi president did" → "president"."""
    m = _NAME_OF.search(question) or _HEAD.search(question)
    if not m:
        return None
    head = None
    for word in m.group(1).split():
        lowered = word.lower().strip("'’")
        if lowered in _PHRASE_END or lowered.endswith("ed") or (
            head is not None and (lowered in STOPWORDS or word[0].isupper())  # "the camp Turkey set up"
        ):
            break
        # "which Iraqi president": a name is no head; an acronym may be ("who is the CEO of ...").
        if lowered not in STOPWORDS and (not word[0].isupper() or word.isupper()):
            head = lowered
    terms = content_terms(head) if head else []
    return terms[0] if terms else None


def counted_terms(question: str) -> set[str]:
    """What a "how many X ..." question counts: the terms of X ("Iraqi police officers"); empty otherwise."""
    m = _COUNTED.search(question)
    return set(content_terms(m.group(1))) if m else set()


def _anchors(sentence: str, question_terms: frozenset[str]) -> list[int]:
    """Offsets of the sentence's words that the question also uses."""
    return [m.start() for m in WORD.finditer(sentence) if set(content_terms(m.group())) & question_terms]


def _related(word: str, terms: frozenset[str]) -> bool:
    """``word`` is, or shares its stem with, a question term ("Turkey" for "Turkish", "Iraq" for "Iraqi")."""
    term = stem(word.lower())
    if term in terms:
        return True
    return len(term) >= 4 and any(
        len(t) >= 4 and (common := len(os.path.commonprefix([term, t]))) >= 4 and common >= min(len(term), len(t)) - 2
        for t in terms
    )


def _without_question_words(sentence: str, span: TypedSpan, q_terms: frozenset[str]) -> TypedSpan | None:
    """``span`` without a leading acronym the question names; None if it repeats the question's words."""
    words = list(WORD.finditer(span.text))
    # A leading acronym or title the question names ("UN Security Council") may go; a name part may not.
    while words and len(words) > 1 and words[0].group().isupper() and set(content_terms(words[0].group())) & q_terms:
        words.pop(0)
    while words and words[0].group().lower() in {"of", "the", "and", "s"}:
        words.pop(0)
    while words and words[-1].group().lower() in {"of", "the", "and"}:
        words.pop()
    named = span.kind in (Kind.NAME, Kind.PLACE)
    repeats = [bool(set(content_terms(w.group())) & q_terms or (named and _related(w.group(), q_terms))) for w in words]
    # A date may name the question's year if it adds to it ("November 18, 2020" for "the 2020 draft").
    if not words or (all(repeats) if span.kind is Kind.DATE else any(repeats)):
        return None
    start, end = span.start + words[0].start(), span.start + words[-1].end()
    if span.kind is Kind.NUMBER and (start, end) != (span.start, span.end):
        return None
    return TypedSpan(start, end, span.kind, sentence[start:end])


def _counts_other(after: str, counted: frozenset[str], q_terms: frozenset[str]) -> bool:
    following = [content_terms(w.group()) for w in list(WORD.finditer(after[:40]))[:3]]
    nouns = [t[0] for t in following if t]
    return bool(nouns) and not (set(nouns) & (counted | q_terms)) and after[:1] == " " and after[1:2].isalpha()


def _next_to_head(sentence: str, span: TypedSpan, head: str) -> bool:
    """The question's head noun is within a few words of the span: "President Fuad Masum", "the Bashiqa camp"."""
    before = [m.group() for m in WORD.finditer(sentence[: span.start])][-_NEAR_HEAD:]
    after = [m.group() for m in WORD.finditer(sentence[span.end :])][:_NEAR_HEAD]
    return any(stem(w.lower()) == head for w in before + after)


def pick_span(sentence: str, focus: Focus) -> tuple[TypedSpan, float] | None:
    """The span of the focus's kind in ``sentence`` that best answers the question, and its cost; or None.

    Spans that repeat the question's own words (or their stems: "Turkey" for "Turkish")
    are never the answer, nor a date without the unit asked for ("2010" for "which month").
    Among the rest, the one nearest the question's words wins, with small preferences a
    reader would apply: a span next to the question's head noun is "the X" it asks for
    ("President Fuad Masum" for "which Iraqi president"); the subject of the question's verb
    answers "who <verb>" ("Matsuyama wins" for "who won"); a name after "by" answers "who
    did it"; a possessor ("Iraq's ...") or a name right after "in/to/at" is not the person
    asked for; a number right before a word of the question ("1,600 peshmerga") is what a
    "how many" asks for; a "when" takes the most precise date. The cost (lower is better, in
    units of 40 characters of distance) lets the answerer compare spans of different sentences.
    """
    kind, q_terms = focus.kind, focus.terms
    spans = [t for s in find(sentence, kind) if (t := _without_question_words(sentence, s, q_terms))]
    if focus.unit:
        spans = [t for t in spans if _UNITS[focus.unit].search(t.text)]
    if focus.counted:
        # "1,600 peshmerga" does not answer "how many police officers": a number that counts
        # something else (a word right after it that the question does not use) is not the answer.
        spans = [t for t in spans if not _counts_other(sentence[t.end :], focus.counted, q_terms)]
    if not spans:
        return None
    anchors = _anchors(sentence, q_terms)

    def cost(span: TypedSpan) -> float:
        outside = [a for a in anchors if not span.start <= a < span.end]
        distance = min((min(abs(a - span.start), abs(a - span.end)) for a in outside), default=200)
        before = sentence[: span.start]
        after = sentence[span.end :]
        value = distance / 40
        if focus.head and _next_to_head(sentence, span, focus.head):
            value -= 1.0
        if focus.verb and _before_verb(sentence, span, focus.verb):
            value -= 1.0
        if kind is Kind.DATE:
            value -= DATE_DETAIL * len(_DATE_PARTS.findall(span.text))  # "July 21, 2017" over "2017"
        if kind is Kind.NAME:
            value += 1.0 if _PLACE_CUES.search(before) else 0.0
            value += POSSESSIVE_COST if _POSSESSIVE.match(after) else 0.0  # "Iraq's Prime Minister X"
            value -= 0.5 if _BY_CUE.search(before) else 0.0
            if focus.verb not in _REPORTING_VERBS and (_REPORTED_BY.match(after) or _ACCORDING_TO.search(before)):
                value += SOURCE_COST
        if kind is Kind.NUMBER:
            next_word = WORD.search(after)
            if next_word and set(content_terms(next_word.group())) & q_terms and next_word.start() <= 2:
                value -= 1.0
        return value

    costs = [(cost(s), s) for s in spans]
    best_cost, best = min(costs, key=lambda pair: pair[0])
    return best, best_cost
