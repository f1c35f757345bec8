"""Learn the attribution confidence model (src/audiotale/attribution/confidence.json) from annotated novels.

Usage:
  python eval/dev.py --quotes /tmp/quotes.jsonl      # features and correctness of every quote
  python eval/train_confidence.py /tmp/quotes.jsonl [--write]

A logistic regression (L2, Newton's method) of "the speaker is right" on the features the sieves
record. Before writing the model it reports a leave-one-novel-out estimate: for each novel, a
model and a threshold are learned on the other novels alone and applied to it, so the figures say
what to expect on a book nobody tuned for. The threshold is the lowest at which the training
novels' wrong-voice share is at most --max-wrong. numpy is needed here only, not at run time.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

MODEL = Path(__file__).resolve().parent.parent / "src" / "audiotale" / "attribution" / "confidence.json"


def load(path: Path) -> tuple[list[dict], dict[str, int]]:
    rows, gold = [], {}
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if "gold_quotes" in r:
            gold[r["novel"]] = r["gold_quotes"]
        elif "pronoun" in r:
            continue  # a pronoun's candidates: eval/train_anaphora.py learns from these
        else:
            rows.append(r)
    return rows, gold


def matrix(rows: list[dict], names: list[str]) -> np.ndarray:
    return np.array([[r["features"].get(n, 0.0) for n in names] for r in rows], dtype=float)


def fit(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[float, np.ndarray]:
    """Bias and weights of an L2-regularised logistic regression, by Newton's method."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    reg = np.full(xb.shape[1], l2)
    reg[0] = 0.0  # the bias is not shrunk
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(xb @ w, -30, 30)))
        grad = xb.T @ (p - y) + reg * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return float(w[0]), w[1:]


def predict(bias: float, w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(bias + x @ w, -30, 30)))


def rates(p: np.ndarray, y: np.ndarray, total: int, cut: float) -> tuple[float, float]:
    """Share of all gold quotes read by the right voice, and by a wrong one, at threshold `cut`."""
    kept = p >= cut
    return float((kept & (y == 1)).sum()) / total, float((kept & (y == 0)).sum()) / total


def choose_threshold(p: np.ndarray, y: np.ndarray, total: int, max_wrong: float) -> float:
    for cut in np.arange(0.0, 1.0, 0.01):
        if rates(p, y, total, cut)[1] <= max_wrong:
            return round(float(cut), 2)
    return 1.0


def reliability(p: np.ndarray, y: np.ndarray, bins: int = 10) -> str:
    lines = [f"{'confidence':>12} {'quotes':>7} {'right':>7} {'mean conf':>9}"]
    for b in range(bins):
        sel = (p >= b / bins) & ((p < (b + 1) / bins) | (b == bins - 1))
        if sel.sum():
            lines.append(f"{b / bins:5.1f}-{(b + 1) / bins:<5.1f} {int(sel.sum()):7} {100 * y[sel].mean():6.1f}% "
                         f"{100 * p[sel].mean():8.1f}%")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("quotes", type=Path, help="the file `eval/dev.py --quotes` wrote")
    ap.add_argument("--l2", type=float, default=5.0, help="L2 penalty on the weights")
    ap.add_argument("--max-wrong", type=float, default=0.12,
                    help="largest wrong-voice share allowed when choosing the threshold (target: 15%%)")
    ap.add_argument("--write", action="store_true", help=f"write the model trained on every novel to {MODEL}")
    args = ap.parse_args()
    rows, gold = load(args.quotes)
    names = sorted({n for r in rows for n in r["features"]})
    x, y = matrix(rows, names), np.array([float(r["correct"]) for r in rows])
    novels = sorted(gold)
    by_novel = defaultdict(list)
    for i, r in enumerate(rows):
        by_novel[r["novel"]].append(i)

    print("Leave one novel out: each novel scored by a model and threshold learned on the others")
    print(f"{'novel':<30} {'cut':>5} {'right':>6} {'wrong':>6} {'unknown':>7}   (before the cut: right)")
    held_p = np.zeros(len(rows))
    tot_right = tot_wrong = tot_all = 0.0
    for novel in novels:
        test = np.array(by_novel[novel])
        train = np.array([i for n in novels if n != novel for i in by_novel[n]])
        bias, w = fit(x[train], y[train], args.l2)
        p_train = predict(bias, w, x[train])
        cut = choose_threshold(p_train, y[train], sum(gold[n] for n in novels if n != novel), args.max_wrong)
        held_p[test] = predict(bias, w, x[test])
        right, wrong = rates(held_p[test], y[test], gold[novel], cut)
        raw = float(y[test].sum()) / gold[novel]
        tot_right += right * gold[novel]
        tot_wrong += wrong * gold[novel]
        tot_all += gold[novel]
        print(f"{novel:<30} {cut:5.2f} {100 * right:5.1f}% {100 * wrong:5.1f}% {100 * (1 - right - wrong):6.1f}%"
              f"   {100 * raw:5.1f}%")
    print(f"{'MICRO':<30} {'':>5} {100 * tot_right / tot_all:5.1f}% {100 * tot_wrong / tot_all:5.1f}% "
          f"{100 * (1 - (tot_right + tot_wrong) / tot_all):6.1f}%   {100 * y.sum() / tot_all:5.1f}%")
    print("\nReliability of the held-out probabilities (all novels, each scored by the others' model):")
    print(reliability(held_p, y))

    bias, w = fit(x, y, args.l2)
    p = predict(bias, w, x)
    cut = choose_threshold(p, y, sum(gold.values()), args.max_wrong)
    right, wrong = rates(p, y, sum(gold.values()), cut)
    print(f"\nIn sample (all novels): threshold {cut:.2f}, right {100 * right:.1f}%, wrong {100 * wrong:.1f}%")
    model = {"bias": round(bias, 4), "weights": {n: round(float(v), 4) for n, v in zip(names, w)},
             "threshold": cut, "trained_on": f"{len(novels)} annotated novels, {len(rows)} quotes; "
                                             f"eval/train_confidence.py --l2 {args.l2} --max-wrong {args.max_wrong}"}
    if args.write:
        MODEL.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL}")
    else:
        print(json.dumps(model, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
