"""Follow-up questions resolved against the previous turn, without an LLM."""

from __future__ import annotations

import pytest

from qa.followup import Turn, resolve

TURKEY = Turn("How many peshmerga did Turkey train?", "1,600")
WHO_TRAINED = Turn("Who trained the peshmerga?", "Turkey")


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
        # a person pronoun takes the previous answer when that answer is a name
        ("How many did they train?", WHO_TRAINED, "How many did Turkey train?"),
        ("What did their minister say?", WHO_TRAINED, "What did Turkey's minister say?"),
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


def test_a_number_answer_never_replaces_a_person_pronoun() -> None:
    rewrite = resolve("Where did they train them?", TURKEY)
    assert "1,600" in rewrite.question and "they" in rewrite.question  # context added, pronoun kept


def test_follow_ups_of_follow_ups_keep_the_thread() -> None:
    first = resolve("And who announced it?", TURKEY)
    second = resolve("When was that?", Turn(first.question, "Cavusoglu"))
    assert "peshmerga" in second.question and "Cavusoglu" in second.question
    assert second.question.startswith("When was that (")
