"""The reader's training data as :mod:`qa.train` builds it from SQuAD 2.0: extra negatives and preambles."""

from __future__ import annotations

import pytest

from qa.train import PREAMBLE_MAX_WORDS, Example, missing_negatives, with_preambles

pytestmark = pytest.mark.unit

TURKEY = "Turkey trained 1,600 peshmerga fighters in 2015. The programme ran in Bashiqa near Mosul."
TALKS = "The talks in Ankara lasted two days. Davutoglu and Abadi agreed to share intelligence."
OTHER = "Lavrov met Cavusoglu in Moscow in June. They discussed the war in Syria at length."


def examples() -> list[Example]:
    return [
        Example("q1", "Iraq", "How many peshmerga did Turkey train?", TURKEY, ("1,600",), TURKEY.index("1,600")),
        Example("q2", "Iraq", "Where were the talks?", TALKS, ("Ankara",), TALKS.index("Ankara")),
        Example("q3", "Iraq", "How many soldiers did Iran train?", TURKEY, (), -1),
        Example("q4", "Russia", "Who did Lavrov meet?", OTHER, ("Cavusoglu",), OTHER.index("Cavusoglu")),
    ]


def test_a_preamble_is_a_sentence_of_the_same_article_without_an_answer_and_the_label_stays() -> None:
    data = examples()
    made = with_preambles(data, 1.0, seed=3)
    assert {m.qid for m in made} <= {f"{e.qid}/preamble" for e in data} and len(made) >= 3
    by_qid = {e.qid: e for e in data}
    sentences = {
        "Iraq": {s.strip() + "." for p in (TURKEY, TALKS) for s in p.split(".") if s.strip()},
        "Russia": {s.strip() + "." for s in OTHER.split(".") if s.strip()},
    }
    for m in made:
        original = by_qid[m.qid.removesuffix("/preamble")]
        assert m.question.endswith(" " + original.question)
        preamble = m.question[: -len(original.question) - 1]
        assert preamble in sentences[original.article]  # never from another article
        assert not any(a.lower() in preamble.lower() for a in original.answers)
        assert len(preamble.split()) <= PREAMBLE_MAX_WORDS
        assert (m.context, m.answers, m.start) == (original.context, original.answers, original.start)


def test_preambles_are_made_for_the_requested_share_and_the_same_seed_makes_the_same_ones() -> None:
    many = [Example(f"{e.qid}-{i}", e.article, e.question, e.context, e.answers, e.start)
            for i in range(50) for e in examples()]
    assert with_preambles(many, 0.0, seed=1) == []
    half = with_preambles(many, 0.5, seed=1)
    assert 70 <= len(half) <= 130 and half == with_preambles(many, 0.5, seed=1)


def test_a_missing_negative_pairs_an_answerable_question_with_a_paragraph_of_its_article_lacking_the_answer() -> None:
    made = missing_negatives(examples(), 1.0, seed=2)
    # q1 gets the Ankara paragraph and q2 the Turkey one; q3 is unanswerable; q4's article has one paragraph
    assert [(m.qid, m.context, m.answers, m.start) for m in made] == [
        ("q1/missing", TALKS, (), -1), ("q2/missing", TURKEY, (), -1)]


def test_news_pages_become_squad_passages_cut_as_ingest_cuts_them() -> None:
    from qa.train_news import TITLE_PREFIX, news_squad

    text = ("Storm closes highway\nBy Jane Doe\nPublished: March 3, 2022\n\nShare this article\n\n"
            "The storm closed the A9 highway on Tuesday, police said. About 1,200 drivers were stranded near Perth.\n\n"
            "Subscribe to our newsletter\n\nThe road reopened on Thursday after crews cleared 40 fallen trees.")
    qas = [{"question": "How many drivers were stranded?", "answer": "1,200"},
           {"question": "Who cleared the trees in Dundee?", "answer": None, "plausible_answer": "crews"},
           {"question": "What should readers do?", "answer": "Share this article"}]
    squad, counts = news_squad([{"title": "t", "text": text, "qas": qas}])
    assert counts == {"pages": 1, "answerable": 1, "unanswerable": 1, "answer_not_in_passages": 1}
    article = squad["data"][0]
    assert article["title"] == TITLE_PREFIX + "Storm closes highway"
    para = article["paragraphs"][0]
    assert "Share this article" not in para["context"]  # cleaned as ingest cleans
    answerable, unanswerable = para["qas"]
    start = answerable["answers"][0]["answer_start"]
    assert para["context"][start:start + 5] == "1,200"
    assert unanswerable["is_impossible"] and unanswerable["answers"] == []


def test_each_data_file_holds_back_its_own_articles_and_gives_at_most_limit_questions(tmp_path) -> None:
    import json

    from qa.train import split_files

    def squad(prefix: str, articles: int, questions: int) -> dict:
        return {"data": [{"title": f"{prefix}{a}", "paragraphs": [{"context": "Bashiqa is near Mosul.", "qas": [
            {"id": f"{prefix}{a}/{q}", "question": "Where is Bashiqa?", "is_impossible": False,
             "answers": [{"text": "near Mosul", "answer_start": 10}]} for q in range(questions)]}]}
            for a in range(articles)]}

    big, small = tmp_path / "big.json", tmp_path / "small.json"
    big.write_text(json.dumps(squad("big", 10, 20)))
    small.write_text(json.dumps(squad("small", 4, 5)))
    train, val = split_files([big, small], [2, 1], seed=13, limit=50)
    held = {e.article for e in val}
    assert len([a for a in held if a.startswith("big")]) == 2 and len([a for a in held if a.startswith("small")]) == 1
    assert not held & {e.article for e in train}
    assert sum(e.article.startswith("big") for e in train) == 50  # 160 left after holding back, sampled down
    assert sum(e.article.startswith("small") for e in train) == 15  # under the limit: all kept
    _, val_repeated = split_files([big, small], [2], seed=13)  # one count serves every file
    assert len({e.article for e in val_repeated}) == 4


def _reading(start: int, end: int, confidence: float):  # noqa: ANN202
    from qa.reader import Reading
    from qa.reader_windows import SpanScore

    # the "answerable" decision reads the answerability logit alone: the confidence given
    return Reading(SpanScore(start, end, 0.0, 0.0, confidence), confidence)


def test_second_citation_thresholds_bound_rivals_from_same_and_other_articles() -> None:
    from qa.train import second_citation_thresholds

    ex = examples()[0]
    answer = (TURKEY.index("1,600"), TURKEY.index("1,600") + 5)
    # 20 questions answered right from their own paragraph; in one of them an other-article rival (2.5)
    # and a same-article rival (1.5) give a different span, the other rivals sit at 0.5 and -1.0
    items, readings, others, other_readings = [], [], [], []
    for i in range(20):
        items.append((ex, [TURKEY, TALKS], ex.answers, "answerable"))
        readings.append([_reading(*answer, 3.0), _reading(0, 3, 1.5 if i == 0 else -1.0)])
        others.append((ex, [OTHER, TURKEY], ex.answers, "other_article"))
        other_readings.append([_reading(0, 5, 2.5 if i == 0 else 0.5), _reading(*answer, 3.0)])
    got = second_citation_thresholds(items, readings, others, other_readings, "answerable", 0.0)
    other = got["conflict"]["other_article"]
    assert other["questions"] == 20 and other["rivals_above_answer_threshold"] == 1.0
    # at most 5 % of right answers may show an other-article rival: the threshold sits at or above 0.5
    assert 0.5 <= got["support"]["threshold"] < 2.5 and got["support"]["rate"] <= 0.05
    assert got["conflict"]["threshold"] >= max(got["support"]["threshold"], got["conflict"]["same_article"]["threshold"])
    assert got["conflict"]["same_article"]["rate"] <= 0.05
    # a wrong answer (not from its own paragraph) is not counted
    wrong = [[_reading(*answer, 3.0), _reading(0, 3, 1.5)]]
    assert second_citation_thresholds([(ex, [TALKS, TURKEY], ex.answers, "answerable")], wrong, [], [],
                                      "answerable", 0.0)["conflict"]["same_article"]["questions"] == 0


def test_a_rival_group_is_the_questions_paragraph_then_look_alikes_of_its_article_without_the_answer() -> None:
    from qa.train import GROUP_RIVALS, rival_groups

    third = "Peshmerga units trained in Erbil for two months. Their commanders praised the instructors."
    data = [*examples(), Example("q5", "Iraq", "Who praised the instructors?", third, ("commanders",),
                                 third.index("commanders"))]
    groups = rival_groups(data, 1.0, seed=4)
    # q3 is unanswerable and q4's article has one paragraph: no group; the rest get both other Iraq paragraphs
    assert [g[0].qid for g in groups] == ["q1", "q2", "q5"]
    for gold, *rivals in groups:
        assert len(rivals) == GROUP_RIVALS
        assert {r.context for r in rivals} == {TURKEY, TALKS, third} - {gold.context}
        assert all(r.answers == () and r.start == -1 and r.question == gold.question for r in rivals)
    assert rival_groups(data, 0.0, seed=4) == []


def test_the_shared_loss_is_low_only_when_the_right_window_holds_the_best_span() -> None:
    import torch

    from qa.train import shared_span_loss

    def loss(rival_logit: float) -> float:
        start = torch.zeros(3, 6)
        end = torch.zeros(3, 6)
        start[0, 2] = end[0, 3] = 5.0  # the right window's span
        start[1, 4] = end[1, 4] = rival_logit  # a rival window's span
        start[:, 0] = end[:, 0] = 50.0  # "no answer" positions take no part
        return float(shared_span_loss(start, end, torch.tensor([2, 0, 0]), torch.tensor([3, 0, 0]), 3))

    assert loss(-5.0) < 0.15
    assert loss(5.0) > 0.6 and loss(9.0) > 3.5
