"""Does the int8 copy of the span reader keep its answers? fp32 and int8 side by side, in one run.

Reads the held-back validation questions of the training data as calibration does (each question among
look-alike paragraphs of its article; answerable ones also without their paragraph) with both ONNX
copies of the shipped reader, and reports: how often they pick the same span and make the same
answer/refuse decision at the shipped threshold, validation scores of each at that threshold and at
the threshold calibrated on its own readings (``calibrated``: what ``qa.train calibrate`` would choose
for that copy), and read time per question (median, interleaved so both see the same machine load).

    python benchmarks/reader_int8.py --data ../shared/train/squad2_dev_train/squad2_dev_train.json

Writes benchmarks/results/reader_int8.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa.reader import READER_FILE, Reader  # noqa: E402
from qa.train import answers_read, calibration_choice, calibration_items, f1  # noqa: E402

OUT = Path(__file__).parent / "results" / "reader_int8.json"


def scores(items: list, readings: list, reader: Reader) -> tuple[dict, np.ndarray, list[str]]:
    conf, texts = answers_read(items, readings, reader.decision)
    answered = conf > reader.threshold
    has = np.array([bool(a) for _, _, a, _ in items])
    kinds = np.array([k for *_, k in items])
    f_answer = np.array([f1(t, a) for t, (_, _, a, _) in zip(texts, items)])
    out = {"has_answer_f1": round(float(np.where(answered, f_answer, 0)[has].mean()), 4),
           "has_answer_f1_forced": round(float(f_answer[has].mean()), 4),
           "false_refusal_rate": round(float((~answered)[has].mean()), 4)}
    for k in ("adversarial", "missing"):
        out[f"refused_{k}"] = round(float((~answered)[kinds == k].mean()), 4)
    out["calibrated"] = calibrated(items, readings)
    return out, answered, texts


def calibrated(items: list, readings: list) -> dict:
    """The best decision rule and threshold for these readings, as calibration chooses them."""
    choice = calibration_choice(items, readings, passages=5)
    rule = choice["decision"]
    return {"decision": rule, **{k: v for k, v in choice[rule].items() if k != "at_target_refusal"}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--model", type=Path, default=READER_FILE)
    ap.add_argument("--limit", type=int, default=None, help="only the first N items (quick look)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    meta_seed, val_articles = 13, 3
    items = calibration_items([args.data], passages=5, val_articles=[val_articles], seed=meta_seed)[:args.limit]
    with tempfile.TemporaryDirectory() as cache:
        fp32, int8 = Reader(args.model, cache, int8=False), Reader(args.model, cache, int8=True)
        fp32.read("warm up?", ["warm up"])
        int8.read("warm up?", ["warm up"])
        runs: dict[str, list] = {"fp32": [], "int8": []}
        times: dict[str, list[float]] = {"fp32": [], "int8": []}
        for n, (ex, group, _, _) in enumerate(items):
            for name, reader in (("fp32", fp32), ("int8", int8))[:: 1 if n % 2 else -1]:
                t = time.perf_counter()
                runs[name].append(reader.read(ex.question, group))
                times[name].append(time.perf_counter() - t)
        sizes = {"fp32": fp32.onnx_path.stat().st_size, "int8": int8.onnx_path.stat().st_size}
    result: dict = {"items": len(items), "model": args.model.name}
    decided, texts = {}, {}
    for name, reader in (("fp32", fp32), ("int8", int8)):
        result[name], decided[name], texts[name] = scores(items, runs[name], reader)
        result[name]["read_ms_p50"] = round(1000 * statistics.median(times[name]), 1)
        result[name]["onnx_mb"] = round(sizes[name] / 2**20, 1)
    result["same_span"] = round(float(np.mean([a == b for a, b in zip(texts["fp32"], texts["int8"])])), 4)
    result["same_decision"] = round(float(np.mean(decided["fp32"] == decided["int8"])), 4)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
