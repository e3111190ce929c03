"""What a question asks for (qa.kinds) and the text helpers answers are scored with."""

import pytest

from qa.kinds import Kind, expected_kind, is_relative
from qa.text import content_terms, normalise_answer, stem


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many peshmerga did Turkey train?", Kind.NUMBER),
        ("What percentage of the vote did he get?", Kind.NUMBER),
        ("When did Putin and Erdogan meet?", Kind.DATE),
        ("In what year did the crisis begin?", Kind.DATE),
        ("Who is Turkey's foreign minister?", Kind.NAME),
        ("Where did the two leaders meet?", Kind.PLACE),
        ("Super Bowl 2021 location", Kind.PLACE),
        ("Why does Iraq reject Turkish ground forces?", Kind.SENTENCE),
    ],
)
def test_expected_kind(question: str, kind: Kind) -> None:
    assert expected_kind(question) is kind


def test_normalise_answer_is_squad_style() -> None:
    assert normalise_answer("The 1,600  Peshmerga!") == "1600 peshmerga"


def test_content_terms_stem_and_drop_stop_words() -> None:
    assert content_terms("How many peshmerga did Turkey train?") == ["peshmerga", "turkey", "train"]
    assert stem("trained") == stem("training") == "train"


def test_a_later_wh_word_opens_a_clause_and_does_not_set_the_kind() -> None:
    assert expected_kind("What did Cavusoglu call Daesh when urging Russia to fight it?") is Kind.SENTENCE
    assert expected_kind("Which group of people was freed when the siege broke?") is Kind.NAME
    assert expected_kind("Super Bowl 2021 location") is Kind.PLACE


def test_relative_dates_are_the_ones_that_need_the_article_date() -> None:
    assert is_relative("on Tuesday") and is_relative("last month") and is_relative("Wednesday")
    assert not is_relative("August 9, 2016") and not is_relative("2016")
