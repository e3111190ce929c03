"""``qa.train calibrate`` with the shipped reader on a small SQuAD-layout file: the thresholds it writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from qa.reader import READER_FILE, Reader, read_meta
from qa.train import calibrate

pytestmark = pytest.mark.integration

ARTICLES = {
    "Iraq": ["Turkey trained 1,600 peshmerga fighters in 2015. The programme ran in Bashiqa near Mosul.",
             "The talks in Ankara lasted two days. Davutoglu and Abadi agreed to share intelligence.",
             "Oil exports from Kirkuk resumed in June after a pipeline was repaired."],
    "Russia": ["Lavrov met Cavusoglu in Moscow in June. They discussed the war in Syria at length.",
               "The Kremlin said Putin would visit Ankara in December.",
               "Gazprom cut gas deliveries to Ukraine in January."],
    "Sport": ["The Bills beat the Jets 24-17 on Sunday in Buffalo.",
              "Josh Allen threw two touchdown passes in the second half.",
              "The next game is against Miami on Thursday night."],
}
QUESTIONS = {
    "Iraq": [("How many peshmerga did Turkey train?", "1,600"), ("Where were the talks?", "Ankara"),
             ("How many soldiers did Iran train?", None)],
    "Russia": [("Who did Lavrov meet?", "Cavusoglu"), ("Where will Putin visit?", "Ankara"),
               ("Who cut oil to Poland?", None)],
    "Sport": [("Who did the Bills beat?", "the Jets"), ("Who threw two touchdown passes?", "Josh Allen"),
              ("Who won the World Cup?", None)],
}


def squad_file(path: Path) -> Path:
    data = []
    for title, paragraphs in ARTICLES.items():
        rows = []
        for i, context in enumerate(paragraphs):
            qas = [{"id": f"{title}{i}{j}", "question": q, "is_impossible": a is None,
                    "answers": [] if a is None else [{"text": a, "answer_start": context.index(a)}]}
                   for j, (q, a) in enumerate(QUESTIONS[title]) if (a is None and i == 0) or (a and a in context)]
            rows.append({"context": context, "qas": qas})
        data.append({"title": title, "paragraphs": rows})
    path.write_text(json.dumps({"version": "v2.0", "data": data}))
    return path


def test_calibration_writes_answer_support_and_conflict_thresholds_for_both_copies(tmp_path: Path) -> None:
    model = tmp_path / "reader.safetensors"
    shutil.copy(READER_FILE, model)
    choice = calibrate([squad_file(tmp_path / "tiny.json")], model, passages=3, val_articles=[3], seed=13)
    meta = read_meta(model)
    for entry in (meta, meta["int8"]):
        assert entry["threshold"] <= entry["support_threshold"] <= entry["conflict_threshold"]
        calibration = entry["calibration"]
        # 3 unanswerable questions; the 6 answerable ones, each read a second time among other articles'
        # paragraphs, set the support threshold where the reader answers them right
        assert calibration["items"] == {"adversarial": 3, "answerable": 6, "other_article": 6}
        assert 4 <= calibration["support"]["questions"] <= 6
        assert calibration["conflict"]["other_article"]["threshold"] <= entry["conflict_threshold"]
    assert choice["support"]["threshold"] == meta["support_threshold"]
    reader = Reader(model)
    assert (reader.threshold, reader.support_threshold, reader.conflict_threshold) == (
        meta["threshold"], meta["support_threshold"], meta["conflict_threshold"])
    # the weights are the shipped ones; only the header changed
    before, after = load_file(str(READER_FILE)), load_file(str(model))
    assert before.keys() == after.keys() and all(np.array_equal(before[k], after[k]) for k in before)
