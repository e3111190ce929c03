"""Follow-up questions resolved against the previous turn, without an LLM."""

from __future__ import annotations

import pytest

from qa.followup import Turn, resolve

TURKEY = Turn("How many peshmerga did Turkey train?", "1,600")
WHO_TRAINED = Turn("Who trained the peshmerga?", "Turkey")
MALIKI = Turn("Who was the last Iraqi prime minister to visit Turkey before Haider al-Abadi?", "Nouri al-Maliki")
MEETING = Turn("Where did Putin and Erdogan meet in August 2016?", "St. Petersburg")


@pytest.mark.parametrize(
    ("question", "previous", "expected"),
    [
        # an anaphor gets the previous question's key words and short answer beside it
        ("And who announced it?", TURKEY, "Who announced it (peshmerga Turkey train, 1,600)?"),
        ("When was that?", TURKEY, "When was that (peshmerga Turkey train, 1,600)?"),
        # a very short question is completed the same way
        ("Why?", TURKEY, "Why (peshmerga Turkey train, 1,600)?"),
        # an ellipsis swaps the last proper name of the previous question
        ("What about Iran?", TURKEY, "How many peshmerga did Iran train?"),
        ("And Iran?", TURKEY, "How many peshmerga did Iran train?"),
        # a singular person pronoun takes the previous answer when the question asked for a name
        ("In what year did he visit?", MALIKI, "In what year did Nouri al-Maliki visit?"),
        ("What did his party say?", MALIKI, "What did Nouri al-Maliki's party say?"),
        # a plural one gets the context: "they" may be the answer or the question's subject
        ("How many did they train?", WHO_TRAINED, "How many did they (trained peshmerga, Turkey) train?"),
    ],
)
def test_follow_ups_are_made_standalone(question: str, previous: Turn, expected: str) -> None:
    rewrite = resolve(question, previous)
    assert rewrite.question == expected
    assert rewrite.rewritten
    assert rewrite.typed == question


@pytest.mark.parametrize(
    "question",
    [
        "Who is the president of France?",
        "How many peshmerga did Turkey train?",
        "Is it true that Iran trained soldiers in Iraq?",  # a dummy "it"
        "Who said that the army would help?",  # "that" opens a clause
        "Who said that Turkey would help?",
    ],
)
def test_standalone_questions_are_left_alone(question: str) -> None:
    rewrite = resolve(question, TURKEY)
    assert not rewrite.rewritten
    assert rewrite.question == question


def test_nothing_is_rewritten_without_a_previous_turn() -> None:
    assert not resolve("When was that?", None).rewritten


def test_only_a_name_asked_for_replaces_a_person_pronoun() -> None:
    number = resolve("Where did he train them?", TURKEY)
    assert number.question == "Where did he (peshmerga Turkey train, 1,600) train them?"
    place = resolve("When did he arrive?", MEETING)  # a place answered "where": "he" is not St. Petersburg
    assert place.question == "When did he (Putin Erdogan meet August 2016, St. Petersburg) arrive?"


def test_follow_ups_of_follow_ups_keep_the_thread() -> None:
    first = resolve("And who announced it?", TURKEY)
    second = resolve("When was that?", Turn(first.question, "Cavusoglu"))
    assert "peshmerga" in second.question and "Cavusoglu" in second.question
    assert second.question.startswith("When was that (")


def test_an_ellipsis_without_a_name_gets_the_context() -> None:
    rewrite = resolve("What about the camp's name?", TURKEY)
    assert rewrite.question == "What about the camp's name (peshmerga Turkey train, 1,600)?"
