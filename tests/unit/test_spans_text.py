import pytest

from qa.spans import Kind, dates, expected_kind, names, numbers
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


def test_numbers_with_scales_units_and_words_but_not_years() -> None:
    found = [s.text for s in numbers("In 2015 some 1.8 million refugees, 20-25 tanks, two pilots, a 1,200 km border, $5.")]
    assert found == ["1.8 million", "20-25", "two", "1,200 km", "$5"]


def test_dates_in_news_formats() -> None:
    text = "Published: Tue 14 Jul 2015; December 25, 2014 20:27; on Tuesday; in late September 2015; 2023-10-06"
    assert [s.text for s in dates(text)] == [
        "14 Jul 2015", "December 25, 2014", "on Tuesday", "late September 2015", "2023-10-06"
    ]


def test_names_drop_titles_possessives_and_dates() -> None:
    sentence = "Turkish Foreign Minister Mevlut Cavusoglu met Iraq's Haider al-Abadi on August 9, 2016."
    assert [s.text for s in names(sentence)] == ["Mevlut Cavusoglu", "Iraq", "Haider al-Abadi"]
    assert [s.text for s in names("They met in Saint Petersburg.", Kind.PLACE)] == ["Saint Petersburg"]


def test_normalise_answer_is_squad_style() -> None:
    assert normalise_answer("The 1,600  Peshmerga!") == "1600 peshmerga"


def test_content_terms_stem_and_drop_stop_words() -> None:
    assert content_terms("How many peshmerga did Turkey train?") == ["peshmerga", "turkey", "train"]
    assert stem("trained") == stem("training") == "train"
