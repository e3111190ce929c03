"""Train the span reader: ``python -m qa.train reader --data squad2.json``.

Fine-tunes low-rank adapters on the packaged all-MiniLM-L6-v2 for extractive QA with a "no answer"
option (SQuAD 2.0 layout), holding back whole articles for validation. After every epoch it scores
the held-back questions (has-answer and no-answer halves apart), picks the refusal threshold that
maximises balanced validation F1, and writes the model file (safetensors: adapters + heads + that threshold).

Fixed seed; torch on the CPU (or CUDA when present). Needs torch, which the default install has.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.chunk import split_sentences
from qa.reader_windows import (
    DECISIONS, MAX_TOKENS, STRIDE, SpanScore, Window, best_span, combine, decision_value, make_windows, pad, token_span,
)
from qa.text import normalise_answer

DEFAULT_OUT = Path(__file__).parent / "models" / "reader.safetensors"


@dataclass(frozen=True)
class Example:
    qid: str
    article: str
    question: str
    context: str
    answers: tuple[str, ...]  # empty: unanswerable
    start: int  # character offset of the first answer (-1 when unanswerable)


@dataclass(frozen=True)
class Feature:
    example: int  # index into the examples
    window: Window
    start: int  # token labels (0, 0): no answer in this window
    end: int


def load_squad(path: Path) -> list[Example]:
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    out = []
    for article in data:
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                answers = [] if qa.get("is_impossible") else qa["answers"]
                out.append(Example(qa["id"], article["title"], qa["question"], para["context"],
                                   tuple(a["text"] for a in answers),
                                   answers[0]["answer_start"] if answers else -1))
    return out


def split_by_article(examples: list[Example], n_val: int, seed: int) -> tuple[list[Example], list[Example]]:
    titles = sorted({e.article for e in examples})
    held = set(random.Random(seed).sample(titles, n_val))
    return [e for e in examples if e.article not in held], [e for e in examples if e.article in held]


def split_files(data: list[Path], val_articles: list[int], seed: int,
                limit: int | None = None) -> tuple[list[Example], list[Example]]:
    """Training and held-back examples of several SQuAD 2.0-layout files: each file holds back its own
    whole articles (``val_articles``, one count per file, the last one repeated), and gives at most
    ``limit`` training questions (a seeded sample), so a small file is not drowned by a large one."""
    train, val = [], []
    for i, path in enumerate(data):
        t, v = split_by_article(load_squad(path), val_articles[min(i, len(val_articles) - 1)], seed)
        if limit and len(t) > limit:
            t = random.Random(seed).sample(t, limit)
        train += t
        val += v
    return train, val


def paragraphs_by_article(examples: list[Example]) -> dict[str, list[str]]:
    """Each article's distinct paragraphs, in order of first appearance."""
    out: dict[str, list[str]] = {}
    for e in examples:
        if e.context not in out.setdefault(e.article, []):
            out[e.article].append(e.context)
    return out


def missing_negatives(examples: list[Example], fraction: float, seed: int) -> list[Example]:
    """Unanswerable examples the way retrieval makes them: a ``fraction`` of the answerable questions,
    each paired with the look-alike paragraph of its own article that shares most words with it and
    holds none of its answers (the passage is on topic; the answer is not in it)."""
    by_article = paragraphs_by_article(examples)
    rng = random.Random(seed)
    out = []
    for e in examples:
        if not e.answers or rng.random() >= fraction:
            continue
        other = without_answer(e, by_article[e.article], 1, pool=3)
        if other:
            out.append(Example(e.qid + "/missing", e.article, e.question, other[0], (), -1))
    return out


# A preamble sentence is at most this many words, so that it and the question mostly fit the reader's
# 64 question tokens (a longer question keeps its start: reader_windows.MAX_QUESTION_TOKENS).
PREAMBLE_MAX_WORDS = 35


def with_preambles(examples: list[Example], fraction: float, seed: int) -> list[Example]:
    """Questions as people write them, a statement first ("Tom Brady said he is retiring for good.
    How many seasons did he play?"): a ``fraction`` of the examples again, each question led by one
    sentence of its own article (from its paragraph or another one, never a sentence that holds an
    answer), the label unchanged. SQuAD's questions never have one, and a reader trained on them
    alone takes any preamble as a sign that the passage does not answer."""
    by_article = paragraphs_by_article(examples)
    rng = random.Random(seed + 1)
    out = []
    for e in examples:
        if rng.random() >= fraction:
            continue
        para = e.context if rng.random() < 0.5 else rng.choice(by_article[e.article])
        sentences = [para[s.start:s.end] for s in split_sentences(para)]
        pool = [x for x in sentences if 4 <= len(x.split()) <= PREAMBLE_MAX_WORDS
                and not any(a.lower() in x.lower() for a in e.answers)]
        if pool:
            out.append(Example(e.qid + "/preamble", e.article, f"{rng.choice(pool)} {e.question}", e.context,
                               e.answers, e.start))
    return out


# Passages beside the right one in each shared-normalisation group (retrieval reads 5; 2 keep it cheap).
GROUP_RIVALS = 2


def rival_groups(examples: list[Example], fraction: float, seed: int) -> list[list[Example]]:
    """Shared-normalisation groups (Clark and Gardner, 2018): a ``fraction`` of the answerable questions,
    each with its paragraph first and ``GROUP_RIVALS`` look-alike paragraphs of its article that hold none
    of its answers. Trained on together, the span scores of the three are normalised as one: a span of
    a passage that does not answer must score below the right one, as when the answerer compares the
    best spans of the passages retrieval gives it."""
    by_article = paragraphs_by_article(examples)
    rng = random.Random(seed + 2)
    groups = []
    for e in examples:
        if not e.answers or rng.random() >= fraction:
            continue
        others = without_answer(e, by_article[e.article], GROUP_RIVALS, pool=3 * GROUP_RIVALS)
        if len(others) == GROUP_RIVALS:
            groups.append([e, *(Example(f"{e.qid}/rival{i}", e.article, e.question, p, (), -1)
                                for i, p in enumerate(others))])
    return groups


def group_features(tokenizer, groups: list[list[Example]]) -> list[list[Feature]]:  # noqa: ANN001
    """Per group, the window of its paragraph that holds the answer, then each rival's first window."""
    out = []
    for gold, *rivals in groups:
        holding = [f for f in featurise(tokenizer, [gold]) if f.start > 0]
        if holding:
            out.append([holding[0], *(featurise(tokenizer, [r])[0] for r in rivals)])
    return out


def shared_span_loss(start, end, starts, ends, group: int):  # noqa: ANN001, ANN201 - torch tensors
    """Cross-entropy of the right span's start and end over all the group's windows at once (rows in
    groups of ``group``, the right window first; "no answer" positions left out)."""
    import torch

    ce = torch.nn.functional.cross_entropy
    s, e = start.clone(), end.clone()
    s[:, 0] = e[:, 0] = -1e4
    width = s.shape[1]
    s, e = s.reshape(-1, group * width), e.reshape(-1, group * width)
    return (ce(s, starts.reshape(-1, group)[:, 0]) + ce(e, ends.reshape(-1, group)[:, 0])) / 2


def featurise(tokenizer, examples: list[Example]) -> list[Feature]:  # noqa: ANN001
    features = []
    for i, ex in enumerate(examples):
        for w in make_windows(tokenizer, ex.question, ex.context, MAX_TOKENS, STRIDE):
            s, e = (token_span(w, ex.start, ex.start + len(ex.answers[0])) if ex.answers else (0, 0))
            features.append(Feature(i, w, s, e))
    return features


def batches(features: list[Feature], size: int, rng: random.Random) -> list[list[Feature]]:
    """Shuffled batches of similar length (little padding), in shuffled order."""
    order = features[:]
    rng.shuffle(order)
    out = []
    pool = size * 50
    for i in range(0, len(order), pool):
        group = sorted(order[i:i + pool], key=lambda f: len(f.window))
        out.extend(group[j:j + size] for j in range(0, len(group), size))
    rng.shuffle(out)
    return out


def f1(prediction: str, golds: tuple[str, ...]) -> float:
    if not golds:
        return float(not prediction)
    pred = normalise_answer(prediction).split()
    best = 0.0
    for gold in (normalise_answer(g).split() for g in golds):
        if not pred or not gold:
            best = max(best, float(pred == gold))
            continue
        common = sum((Counter(pred) & Counter(gold)).values())
        if common:
            p, r = common / len(pred), common / len(gold)
            best = max(best, 2 * p * r / (p + r))
    return best


def validate(model, examples: list[Example], features: list[Feature], batch_size: int = 64,  # noqa: ANN001
             device: str = "cpu") -> dict:
    """Validation F1 with refusal by each decision rule at its best threshold, and the halves apart."""
    import torch

    model.eval()
    best: dict[int, SpanScore] = {}  # example -> its windows' readings combined
    with torch.no_grad():
        for i in range(0, len(features), batch_size):
            chunk = features[i:i + batch_size]
            ids, mask, types = (torch.from_numpy(a).to(device) for a in pad([f.window for f in chunk]))
            start, end, ans = (t.float().cpu().numpy() for t in model(ids, mask, types))
            for row, f in enumerate(chunk):
                s = best_span(f.window, start[row], end[row], float(ans[row]))
                if s is not None:
                    best[f.example] = combine(best.get(f.example), s)
    model.train()
    golds = [ex.answers for ex in examples]
    texts = [ex.context[best[i].start:best[i].end] if i in best else "" for i, ex in enumerate(examples)]
    margin = np.array([best[i].margin if i in best else -1e9 for i in range(len(examples))])
    answerable = np.array([best[i].answerable if i in best else -1e9 for i in range(len(examples))])
    has = np.array([bool(g) for g in golds])
    f_answer = np.array([f1(t, g) for t, g in zip(texts, golds)])  # F1 if it answers
    report: dict = {"questions": len(examples), "has_answer_f1_forced": round(float(f_answer[has].mean()), 4)}
    for kind in DECISIONS:
        report[kind] = choose_threshold(decision_value(kind, margin, answerable), has, f_answer)
    report["decision"] = max(DECISIONS, key=lambda k: report[k]["balanced_f1"])
    return report


def train_reader(data: list[Path], out: Path, *, epochs: int, batch_size: int, lr: float, rank: int,
                 val_articles: list[int], seed: int, limit: int | None, log: Path | None,
                 missing: float = 0.0, preamble: float = 0.0, shared: float = 0.0, init: Path | None = None) -> dict:
    import torch
    from tokenizers import Tokenizer
    from tqdm import tqdm

    from qa.embed import PACKAGED_MODEL, resolve_model_path
    from qa.reader_model import SpanReader, load_reader, save_reader

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    base = resolve_model_path(PACKAGED_MODEL)
    tokenizer = Tokenizer.from_file(str(Path(base) / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()

    train_ex, val_ex = split_files(data, val_articles, seed, limit)
    train_ex = train_ex + missing_negatives(train_ex, missing, seed)
    train_ex = train_ex + with_preambles(train_ex, preamble, seed)
    train_f, val_f = featurise(tokenizer, train_ex), featurise(tokenizer, val_ex)
    groups = group_features(tokenizer, rival_groups(train_ex, shared, seed))
    # the held-back questions again, each led by a sentence of its article: scored apart
    val_pre = with_preambles(val_ex, 1.0, seed + 7)
    val_pre_f = featurise(tokenizer, val_pre)
    print(f"train: {len(train_ex)} questions, {len(train_f)} windows; validation: {len(val_ex)} questions "
          f"from {sorted({e.article for e in val_ex})}; {len(groups)} shared-normalisation groups", file=sys.stderr)

    device = "cuda" if torch.cuda.is_available() else "cpu"
    if init:  # continue from a trained file (its rank and alpha)
        model, _ = load_reader(base, init)
        model = model.to(device)
    else:
        model = SpanReader(base, rank=rank).to(device)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    rng = random.Random(seed)
    per_batch = max(1, batch_size // (GROUP_RIVALS + 1))  # groups in one batch
    steps_per_epoch = -(-len(train_f) // batch_size) + -(-len(groups) // per_batch)
    total = steps_per_epoch * epochs
    warmup = max(1, int(0.06 * total))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup))))
    ce = torch.nn.CrossEntropyLoss()
    bce = torch.nn.BCEWithLogitsLoss()
    history = []
    step = 0
    started = time.time()
    for epoch in range(1, epochs + 1):
        order = groups[:]
        rng.shuffle(order)
        grouped = [[f for g in order[i:i + per_batch] for f in g] for i in range(0, len(order), per_batch)]
        plan = [(b, False) for b in batches(train_f, batch_size, rng)]
        if grouped:  # (without groups, the batch order of earlier runs, seed for seed)
            plan += [(b, True) for b in grouped]
            rng.shuffle(plan)
        bar = tqdm(plan, desc=f"epoch {epoch}/{epochs}", unit="batch", file=sys.stderr)
        running = 0.0
        for batch, is_group in bar:
            ids, mask, types = (torch.from_numpy(a).to(device) for a in pad([f.window for f in batch]))
            starts = torch.tensor([f.start for f in batch], device=device)
            ends = torch.tensor([f.end for f in batch], device=device)
            has = (starts > 0).float()
            s_logits, e_logits, a_logits = model(ids, mask, types)
            loss = (ce(s_logits, starts) + ce(e_logits, ends)) / 2 + 0.5 * bce(a_logits, has)
            if is_group:
                loss = loss + shared_span_loss(s_logits, e_logits, starts, ends, GROUP_RIVALS + 1)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            schedule.step()
            step += 1
            running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
            bar.set_postfix(loss=f"{running:.3f}")
        report = validate(model, val_ex, val_f, device=device)
        report["with_preamble"] = preamble_summary(validate(model, val_pre, val_pre_f, device=device), report["decision"])
        report.update(epoch=epoch, steps=step, minutes=round((time.time() - started) / 60, 1),
                      train_questions=len(train_ex), train_windows=len(train_f))
        history.append(report)
        print(json.dumps(report), file=sys.stderr)
        if log:
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(json.dumps(history, indent=1) + "\n", encoding="utf-8")
        decision = report["decision"]
        save_reader(model, out, {
            "decision": decision, "threshold": report[decision]["threshold"], "max_tokens": MAX_TOKENS,
            "stride": STRIDE, "validation": {k: report[k] for k in (*DECISIONS, "has_answer_f1_forced")},
            "epoch": epoch, "seed": seed, "lr": lr, "batch_size": batch_size,
            "train_questions": len(train_ex), "missing_negatives": missing, "preambles": preamble,
            "shared_groups": len(groups),
            "init": init.name if init else None, "validation_articles": sorted({e.article for e in val_ex}),
        })
        print(f"wrote {out} (epoch {epoch})", file=sys.stderr)
    return history[-1]


def preamble_summary(report: dict, decision: str) -> dict:
    """The scores of the preamble copy of validation that say whether a preamble still throws the reader,
    at the threshold chosen on the plain questions' own copy of the decision rule."""
    return {"questions": report["questions"], "has_answer_f1_forced": report["has_answer_f1_forced"],
            "balanced_f1": report[decision]["balanced_f1"], "no_answer_auc": report[decision]["no_answer_auc"]}


# Issue 13's refusal target for squad_v2_dev: validation reports also score the lowest threshold that
# refuses this share of each kind of unanswerable question (an operating point to compare, not the one chosen).
TARGET_REFUSAL = 0.60


def no_answer_auc(conf: np.ndarray, has: np.ndarray) -> float:
    """How well confidence separates the halves (ROC AUC): 0.5 is none, 1.0 perfect."""
    from sklearn.metrics import roc_auc_score

    if has.all() or not has.any():
        return float("nan")
    return float(roc_auc_score(has, np.nan_to_num(conf, neginf=-1e9)))


def refusal_halves(conf: np.ndarray, has: np.ndarray, f_answer: np.ndarray, labels: np.ndarray,
                   t: float) -> tuple[float, dict[str, float]]:
    """At threshold ``t``: the has-answer half's F1, and the refusal rate of each kind of unanswerable
    question (``labels``, one per question)."""
    answered = conf > t
    return (float(np.where(answered, f_answer, 0.0)[has].mean()),
            {k: float((~answered)[labels == k].mean()) for k in sorted(set(labels[~has]))})


def scores_at(conf: np.ndarray, has: np.ndarray, f_answer: np.ndarray, labels: np.ndarray, t: float) -> dict:
    """Balanced F1 (the mean of the has-answer F1 and the mean refusal rate), SQuAD F1, false refusals
    and each kind's refusal rate at threshold ``t``."""
    has_f1, refused = refusal_halves(conf, has, f_answer, labels, t)
    answered = conf > t
    return {"threshold": round(t, 4), "balanced_f1": round((has_f1 + float(np.mean(list(refused.values())))) / 2, 4),
            "squad_f1": round(float(np.where(answered, f_answer, (~has).astype(float)).mean()), 4),
            "has_answer_f1": round(has_f1, 4), "false_refusal_rate": round(float((~answered)[has].mean()), 4),
            **{f"refused_{k}": round(v, 4) for k, v in refused.items()}}


def choose_threshold(conf: np.ndarray, has: np.ndarray, f_answer: np.ndarray,
                     negatives: np.ndarray | None = None) -> dict:
    """The refusal threshold that maximises *balanced* F1: the mean of the has-answer half's F1 and the
    no-answer half's refusal rate (itself the mean over the kinds of unanswerable question in
    ``negatives``, one label per question, when given). Weighing the halves equally keeps the choice
    independent of how many unanswerable questions the validation articles happen to hold (59% here,
    adversarial ones), which plain SQuAD F1 would reward by refusing almost everything.

    Also, for comparison, the scores at ``at_target_refusal``: the lowest threshold that refuses
    ``TARGET_REFUSAL`` of each kind, and how well confidence separates the halves (``no_answer_auc``)."""
    labels = np.where(has, "", "unanswerable") if negatives is None else negatives
    finite = conf[np.isfinite(conf)]
    grid = np.unique(np.quantile(finite, np.linspace(0, 1, 401))) if finite.size else np.array([0.0])

    def halves(t: float) -> tuple[float, dict[str, float]]:
        return refusal_halves(conf, has, f_answer, labels, t)

    def balanced(t: float) -> float:
        has_f1, refused = halves(t)
        return (has_f1 + float(np.mean(list(refused.values())))) / 2

    def scores(t: float) -> dict:
        return scores_at(conf, has, f_answer, labels, t)

    optimum = float(max(grid, key=lambda t: balanced(float(t))))
    enough = [float(t) for t in grid if min(halves(float(t))[1].values(), default=1.0) >= TARGET_REFUSAL]
    return {**scores(optimum), "has_answer_f1_forced": round(float(f_answer[has].mean()), 4),
            "no_answer_auc": round(no_answer_auc(conf, has), 4),
            "at_target_refusal": scores(enough[0] if enough else float(grid[-1]))}


def distractors(example: Example, paragraphs: list[str], n: int) -> list[str]:
    """The ``n`` other paragraphs of the example's article that share most words with its question:
    what retrieval puts beside the right passage."""
    from qa.text import content_terms

    q = set(content_terms(example.question))
    others = [p for p in paragraphs if p != example.context]
    return sorted(others, key=lambda p: -len(q & set(content_terms(p))))[:n]


def without_answer(example: Example, paragraphs: list[str], n: int, *, pool: int) -> list[str]:
    """The first ``n`` of the ``pool`` look-alike paragraphs (:func:`distractors`) that hold none of the
    example's answers: on topic, but the answer is not in them."""
    return [p for p in distractors(example, paragraphs, pool) if not any(a in p for a in example.answers)][:n]


Item = tuple[Example, list[str], tuple[str, ...], str]  # question, passages read, accepted answers, kind


def calibration_items(data: list[Path], *, passages: int, val_articles: list[int], seed: int) -> list[Item]:
    """The held-back questions as the answerer meets them: each read with its paragraph among
    ``passages - 1`` look-alikes from the same article (kind "answerable" or "adversarial"), and each
    answerable one also among look-alikes without its paragraph (kind "missing": the corpus does not say)."""
    _, val_ex = split_files(data, val_articles, seed)
    by_article = paragraphs_by_article(val_ex)
    rng = random.Random(seed)
    items: list[Item] = []
    for ex in val_ex:
        group = [ex.context, *distractors(ex, by_article[ex.article], passages - 1)]
        rng.shuffle(group)
        items.append((ex, group, ex.answers, "answerable" if ex.answers else "adversarial"))
        if ex.answers:
            missing = without_answer(ex, by_article[ex.article], passages, pool=3 * passages)
            if len(missing) == passages:
                items.append((ex, missing, (), "missing"))
    return items


def confidences(readings: list, kind: str) -> list[float]:
    """Each passage's confidence by decision rule ``kind`` (-inf where the reader found no span)."""
    return [decision_value(kind, r.span.margin, r.span.answerable) if r.span else -np.inf for r in readings]


def answers_read(items: list[Item], readings: list[list], kind: str) -> tuple[np.ndarray, list[str]]:
    """Per item, the confidence (by decision rule ``kind``) and text of its most confident span."""
    conf, texts = [], []
    for (_, group, _, _), rs in zip(items, readings):
        values = confidences(rs, kind)
        top = int(np.argmax(values))
        conf.append(values[top])
        texts.append(group[top][rs[top].span.start:rs[top].span.end] if rs[top].span else "")
    return np.array(conf), texts


def other_article_items(data: list[Path], *, passages: int, val_articles: list[int], seed: int) -> list[Item]:
    """Each held-back answerable question read with its paragraph among the ``passages - 1`` held-back
    paragraphs of *other* articles nearest to it by embedding (kind "other_article"): what retrieval
    puts beside the right passage in a corpus of many articles. None of them answers the question."""
    from qa.chain import embedder_for
    from qa.settings import Settings

    _, val_ex = split_files(data, val_articles, seed)
    paragraphs = [(a, p) for a, ps in paragraphs_by_article(val_ex).items() for p in ps]
    answerable = [ex for ex in val_ex if ex.answers]
    embedder = embedder_for(Settings())
    p_vecs = embedder.embed([p for _, p in paragraphs])
    q_vecs = embedder.embed([ex.question for ex in answerable])
    rng = random.Random(seed)
    items: list[Item] = []
    for ex, q in zip(answerable, q_vecs):
        order = np.argsort(-(p_vecs @ q))
        group = [ex.context, *[paragraphs[i][1] for i in order if paragraphs[i][0] != ex.article][:passages - 1]]
        rng.shuffle(group)
        items.append((ex, group, ex.answers, "other_article"))
    return items


# At most this share of the held-back questions the reader answers correctly may also show a second,
# different answer from a rival paragraph as "the sources differ" (every such case is false: the rival
# does not answer), and at most this share may cite a rival paragraph of another article beside the
# right one (a citation of a passage that does not support the answer). Both fixed before measuring.
FALSE_CONFLICT_RATE = 0.05
EXTRA_CITATION_RATE = 0.05


def rival_confidences(items: Sequence[Item], readings: Sequence[list], kind: str, threshold: float,
                      different_only: bool) -> np.ndarray:
    """For each answerable item answered right (F1 >= 0.5) from its own paragraph above ``threshold``:
    the highest confidence of another passage's span (only spans that differ from the answer when
    ``different_only``; -inf where there is none)."""
    from qa.answer import same_answer

    rivals = []
    for (ex, group, answers, label), rs in zip(items, readings):
        if not answers:
            continue
        values = confidences(rs, kind)
        top = int(np.argmax(values))
        text = group[top][rs[top].span.start:rs[top].span.end] if rs[top].span else ""
        if values[top] <= threshold or group[top] != ex.context or f1(text, answers) < 0.5:
            continue
        rivals.append(max((v for i, (v, r) in enumerate(zip(values, rs)) if i != top and r.span
                           and not (different_only and same_answer(group[i][r.span.start:r.span.end], text))),
                          default=-np.inf))
    return np.array(rivals)


def rival_threshold(rivals: np.ndarray, threshold: float, rate: float) -> dict:
    """The confidence at most ``rate`` of ``rivals`` exceed (never below the answer ``threshold``), with
    the shares of rivals above the answer threshold and above the one chosen."""
    t = max(threshold, float(np.quantile(rivals, 1 - rate))) if len(rivals) else threshold
    return {"threshold": round(t, 4), "questions": len(rivals),
            "rivals_above_answer_threshold": round(float((rivals > threshold).mean()), 4) if len(rivals) else 0.0,
            "rate": round(float((rivals > t).mean()), 4) if len(rivals) else 0.0}


def second_citation_thresholds(items: Sequence[Item], readings: Sequence[list], others: Sequence[Item],
                               other_readings: Sequence[list], kind: str, threshold: float) -> dict:
    """The confidence a second article's passage must exceed to be cited beside the answer: ``support``
    when it gives the same answer (at most ``EXTRA_CITATION_RATE`` of right answers cite an other-article
    rival), ``conflict`` when it gives a different one, shown as "the sources differ" (at most
    ``FALSE_CONFLICT_RATE`` with rivals from the same article and, apart, from other articles; never
    below ``support``)."""
    support = rival_threshold(rival_confidences(others, other_readings, kind, threshold, False),
                              threshold, EXTRA_CITATION_RATE)
    same = rival_threshold(rival_confidences(items, readings, kind, threshold, True), threshold, FALSE_CONFLICT_RATE)
    other = rival_threshold(rival_confidences(others, other_readings, kind, threshold, True),
                            threshold, FALSE_CONFLICT_RATE)
    conflict = max(support["threshold"], same["threshold"], other["threshold"])
    return {"support": support, "conflict": {"threshold": conflict, "same_article": same, "other_article": other}}


def calibrate(data: list[Path], model_file: Path, *, passages: int, val_articles: list[int], seed: int) -> dict:
    """Pick the decision rule and refusal threshold on the held-back articles as the answerer meets them
    (:func:`calibration_items`), for the fp32 reader and, apart, for its int8 copy (``answer.reader_int8``).
    Balanced F1 weighs the answerable questions against the two kinds of unanswerable ones (SQuAD's
    adversarial ones, and the missing-paragraph ones). The thresholds for a second citation also read the
    answerable questions among other articles' paragraphs (:func:`other_article_items`).
    Rewrites the model file's header with the choices (the weights are unchanged)."""
    from safetensors.numpy import load_file, save_file
    from safetensors import safe_open
    from tqdm import tqdm

    from qa.reader import Reader

    items = calibration_items(data, passages=passages, val_articles=val_articles, seed=seed)
    others = other_article_items(data, passages=passages, val_articles=val_articles, seed=seed)
    with safe_open(str(model_file), framework="numpy") as f:
        meta = json.loads(f.metadata()["qa_reader"])
    choices = {}
    for int8 in (False, True):
        reader = Reader(model_file, int8=int8)
        bar = tqdm([*items, *others], desc=f"reading held-back questions ({'int8' if int8 else 'fp32'})",
                   unit="question", file=sys.stderr)
        every = [reader.read(ex.question, group) for ex, group, _, _ in bar]
        readings, other_readings = every[:len(items)], every[len(items):]
        choices[int8] = calibration_choice(items, readings, passages, others, other_readings)
    meta.update(header_entry(choices[False]))
    meta["int8"] = header_entry(choices[True])
    save_file(load_file(str(model_file)), str(model_file), metadata={"qa_reader": json.dumps(meta)})
    print(json.dumps({"fp32": choices[False], "int8": choices[True]}), file=sys.stderr)
    return choices[False]


def header_entry(choice: dict) -> dict:
    """What the reader reads from the model header of one copy's :func:`calibration_choice`."""
    rule = choice["decision"]
    return {"decision": rule, "threshold": choice[rule]["threshold"],
            "support_threshold": choice["support"]["threshold"],
            "conflict_threshold": choice["conflict"]["threshold"], "calibration": choice}


def calibration_choice(items: list[Item], readings: list[list], passages: int,
                       others: Sequence[Item] = (), other_readings: Sequence[list] = ()) -> dict:
    """Every decision rule's best threshold on these readings, the best rule, and its thresholds for a
    second citation (:func:`second_citation_thresholds`)."""
    has = np.array([bool(answers) for _, _, answers, _ in items])
    labels = np.array([kind for *_, kind in items])
    # how many items of each kind were read (apart from the decision rules, one of which is "answerable")
    counts = Counter([*labels, *(kind for *_, kind in others)])
    result: dict = {"passages": passages, "items": {k: counts[k] for k in sorted(counts)}}
    for kind in DECISIONS:
        conf, texts = answers_read(items, readings, kind)
        f_answer = np.array([f1(t, answers) for t, (_, _, answers, _) in zip(texts, items)])
        result[kind] = choose_threshold(conf, has, f_answer, labels)
    result["decision"] = max(DECISIONS, key=lambda k: result[k]["balanced_f1"])
    rule = result["decision"]
    result.update(second_citation_thresholds(items, readings, others, other_readings, rule, result[rule]["threshold"]))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qa.train", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    r = sub.add_parser("reader", help="fine-tune the span reader on SQuAD 2.0-layout JSON")
    r.add_argument("--data", type=Path, nargs="+", required=True,
                   help="SQuAD 2.0-layout JSON files (e.g. ../shared/train/squad2_dev_train/squad2_dev_train.json "
                        "training/news_qa/news_qa.json)")
    r.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"model file to write (default {DEFAULT_OUT})")
    r.add_argument("--epochs", type=int, default=2)
    r.add_argument("--batch-size", type=int, default=16)
    r.add_argument("--lr", type=float, default=1e-3)
    r.add_argument("--rank", type=int, default=16, help="LoRA rank of every adapted matrix")
    r.add_argument("--val-articles", type=int, nargs="+", default=[3],
                   help="whole articles each data file holds back for validation (one count per file; the last repeats)")
    r.add_argument("--seed", type=int, default=13)
    r.add_argument("--limit", type=int, default=None,
                   help="train on at most this many questions of each data file (a seeded sample)")
    r.add_argument("--log", type=Path, default=None, help="write the validation history (JSON) here")
    r.add_argument("--missing", type=float, default=0.5,
                   help="add this fraction of the answerable questions again, each with an on-topic paragraph "
                        "of its article that lacks the answer, as unanswerable")
    r.add_argument("--preamble", type=float, default=0.0,
                   help="add this fraction of the questions again, each led by a sentence of its article")
    r.add_argument("--shared", type=float, default=0.0,
                   help="also train this fraction of the answerable questions in shared-normalisation groups: "
                        "its paragraph and two look-alikes without the answer, span scores normalised together")
    r.add_argument("--init", type=Path, default=None, help="continue training from this model file")
    c = sub.add_parser("calibrate", help="choose the reader's refusal threshold on the held-back articles, "
                                         "each question read among look-alike passages")
    c.add_argument("--data", type=Path, nargs="+", required=True, help="the SQuAD 2.0-layout JSON files the reader was trained on")
    c.add_argument("--model", type=Path, default=DEFAULT_OUT, help=f"model file to calibrate (default {DEFAULT_OUT})")
    c.add_argument("--passages", type=int, default=5, help="passages read per question, as retrieval's k")
    c.add_argument("--val-articles", type=int, nargs="+", default=[3])
    c.add_argument("--seed", type=int, default=13)
    n = sub.add_parser("news", help="turn written news pages and questions into SQuAD 2.0-layout JSON, "
                                    "cleaned and cut into passages the way ingest does")
    n.add_argument("--pages", type=Path, required=True, help="pages JSON (e.g. training/news_qa/pages.json)")
    n.add_argument("--out", type=Path, required=True, help="SQuAD 2.0-layout JSON to write")
    args = parser.parse_args(argv)
    inputs = [("--pages", args.pages)] if args.what == "news" else [("--data", p) for p in args.data]
    for flag, path in inputs:
        if not path.is_file():
            parser.error(f"{flag} {path}: no such file")
    if args.what == "news":
        from qa.train_news import write_news_squad

        print(write_news_squad(args.pages, args.out), file=sys.stderr)
        return 0
    if args.what == "calibrate":
        calibrate(args.data, args.model, passages=args.passages, val_articles=args.val_articles, seed=args.seed)
        return 0
    train_reader(args.data, args.out, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, rank=args.rank,
                 val_articles=args.val_articles, seed=args.seed, limit=args.limit, log=args.log,
                 missing=args.missing, preamble=args.preamble, shared=args.shared, init=args.init)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
