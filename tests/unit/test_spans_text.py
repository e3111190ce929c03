import pytest

from qa.spans import Kind, dates, expected_kind, names, numbers, pick_span, question_focus
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


@pytest.mark.parametrize(
    ("question", "kind", "head", "unit"),
    [
        ("Which Iraqi president did Davutoglu meet during his trip to Baghdad?", Kind.NAME, "president", None),
        ("What is the name of the camp Turkey set up in northern Iraq?", Kind.NAME, "camp", None),
        ("On which TV channel did Cavusoglu propose joint operations?", Kind.NAME, "channel", None),
        ("Which camp did Turkey set up?", Kind.NAME, "camp", None),  # any "which <noun>" asks for a name
        ("Which Asaib Ahl al-Haq commander warned Turkey?", Kind.NAME, "commander", None),
        ("In which month did Abadi become prime minister?", Kind.DATE, "month", "month"),
        ("In what year did the crisis begin?", Kind.DATE, "year", "year"),
        ("Why does Iraq reject Turkish ground forces?", Kind.SENTENCE, None, None),
    ],
)
def test_question_focus_reads_the_wh_phrase(question: str, kind: Kind, head: str | None, unit: str | None) -> None:
    focus = question_focus(question)
    assert (focus.kind, focus.head, focus.unit) == (kind, head, unit)


@pytest.mark.parametrize(
    ("sentence", "question", "expected"),
    [
        pytest.param(
            "Davutoglu met Abadi in Baghdad and also met Iraqi President Fuad Masum at his palace.",
            "Which Iraqi president did Davutoglu meet in Baghdad?",
            "Fuad Masum",
            id="head_noun",
        ),  # the span next to the head noun, not the one nearest the question words
        pytest.param(
            "Turkey calls for joint operations with Russia, Mevlut Cavusoglu said.",
            "Which Turkish minister called for joint operations with Russia?",
            "Mevlut Cavusoglu",
            id="restates",
        ),  # a name restating a question word (Turkey for Turkish) is not the answer
        pytest.param(
            "Iraq's minister, Ibrahim al-Jaafari, who had flown in from Baghdad that morning, visited Ankara.",
            "Which minister visited Ankara?",
            "Ibrahim al-Jaafari",
            id="possessor",
        ),  # a possessor before the head noun is not the name asked for
        pytest.param(
            "Turkey supports the peshmerga as they prepare to push ISIS out of Mosul.",
            "Which city were the peshmerga preparing to drive ISIS out of?",
            "Mosul",
            id="out_of",
        ),  # a place after 'out of' answers where
        pytest.param(
            "Ali Rubaie, a militia commander, wants Turkish troops to leave Iraq at once, Press TV reported.",
            "Who wants Turkish troops out of Iraq?",
            "Ali Rubaie",
            id="source_of_report",
        ),  # the outlet a story is attributed to is not who did what the question asks
        pytest.param(
            "Ali Rubaie wants Turkish troops to leave Iraq, Press TV reported.",
            "Who reported that a militia commander wants Turkish troops to leave Iraq?",
            "Press TV",
            id="asked_for_the_source",
        ),  # unless the question asks who reported it
    ],
)
def test_pick_span_takes_the_name_or_place_the_question_asks_for(sentence: str, question: str, expected: str) -> None:
    picked = pick_span(sentence, question_focus(question))
    assert picked is not None and picked[0].text == expected


def test_a_date_without_the_unit_asked_for_is_not_the_answer() -> None:
    sentence = "Abadi, in office since September 2014, visited Ankara as Maliki had in 2010."
    picked = pick_span(sentence, question_focus("In which month did Abadi take office?"))
    assert picked is not None and picked[0].text == "September 2014"
    in_which_month = question_focus("In which month did Maliki visit Ankara?")
    assert pick_span("Maliki visited Ankara in 2010.", in_which_month) is None


def test_a_later_wh_word_opens_a_clause_and_does_not_set_the_kind() -> None:
    assert expected_kind("What did Cavusoglu call Daesh when urging Russia to fight it?") is Kind.SENTENCE
    assert expected_kind("Which group of people was freed when the siege broke?") is Kind.NAME
    assert expected_kind("Super Bowl 2021 location") is Kind.PLACE


def test_who_verb_prefers_the_subject_of_that_verb() -> None:
    focus = question_focus("Who won the 2021 Masters?")
    assert focus.verb == "win" and question_focus("Who bought Instagram?").verb == "buy"
    sentence = "Hideki Matsuyama wins the Green Jacket as the 2021 Masters runner-up Will Zalatoris looks on."
    picked = pick_span(sentence, focus)
    assert picked is not None and picked[0].text == "Hideki Matsuyama"  # not the runner-up nearer "Masters"


def test_who_is_the_role_of_reads_the_role_as_head_noun() -> None:
    assert question_focus("Who is the CEO of Tesla in 2021?").head == "ceo"
    sentence = "In 2021 the carmaker's CEO Elon Musk told Reuters in Austin that Tesla production was on hold."
    picked = pick_span(sentence, question_focus("Who is the CEO of Tesla in 2021?"))
    assert picked is not None and picked[0].text == "Elon Musk"


def test_a_when_question_takes_the_most_precise_date_even_with_the_question_s_year() -> None:
    sentence = "The 2020 draft, first planned for 2020 in June, took place on Wednesday, November 18, 2020."
    picked = pick_span(sentence, question_focus("What is the date of the 2020 NBA Draft?"))
    assert picked is not None and picked[0].text == "November 18, 2020"
    assert pick_span("The draft was in 2020.", question_focus("When was the 2020 draft?")) is None


def test_a_demonym_goes_before_a_title_but_stays_in_a_name() -> None:
    sentence = "Turkish Foreign Minister Mevlut Cavusoglu addressed the Scottish Parliament."
    assert [s.text for s in names(sentence)] == ["Mevlut Cavusoglu", "Scottish Parliament"]


def test_an_irregular_past_tense_ends_the_wh_phrase_and_is_no_head_noun() -> None:
    assert question_focus("Which Turkish foreign minister met Jaafari in Ankara?").head == "minister"
    assert question_focus("Which Turkish prime minister went to Baghdad?").head == "minister"
