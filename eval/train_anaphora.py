"""Learn the pronoun ranking model (src/audiotale/attribution/anaphora.json) from annotated novels.

Usage:
  python eval/dev.py --quotes /tmp/quotes.jsonl      # also writes every pronoun tag's candidates
  python eval/train_anaphora.py /tmp/quotes.jsonl [--write]

For each `said he` / `said she` the sieves list everyone it could mean, with what the scene says of
each (attribution/anaphora.py: candidates). A conditional logit (softmax over a quote's candidates,
L2, Newton's method) learns which of them the annotation says spoke. Someone the book does not
name ("the boy") is right when none of the named candidates is. Before writing the model it reports
a leave-one-novel-out estimate of how often the first candidate is right, next to the weights in
use. numpy is needed here only, not at run time.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

MODEL = Path(__file__).resolve().parent.parent / "src" / "audiotale" / "attribution" / "anaphora.json"
sys.path.insert(0, str(MODEL.parents[2]))
from audiotale.attribution.anaphora import FEATURES  # noqa: E402


def load(path: Path) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(novel, features of each candidate, which are right) per pronoun tag with a right candidate."""
    groups = []
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if "pronoun" not in r or not r["pronoun"]:
            continue
        cands = r["pronoun"]
        right = np.array([float(c["correct"]) for c in cands])
        anonymous = np.array([c["features"].get("anonymous", 0.0) > 0 for c in cands])
        if not right.any() and anonymous.any():
            right = anonymous.astype(float)  # nobody named is right: someone the book does not name
        if not right.any():
            continue
        x = np.array([[c["features"].get(k, 0.0) for k in FEATURES] for c in cands], dtype=float)
        groups.append((r["novel"], x, right))
    return groups


def fit(groups: list[tuple[str, np.ndarray, np.ndarray]], l2: float) -> np.ndarray:
    """Weights of a conditional logit: maximise the probability of the right candidates of each group."""
    w = np.zeros(len(FEATURES))
    for _ in range(100):
        grad = l2 * w
        hess = l2 * np.eye(len(w))
        for _, x, y in groups:
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            q = y / y.sum()  # several right candidates (two forms of one person) share the target
            grad += x.T @ (p - q)
            mean = p @ x
            hess += (x * p[:, None]).T @ x - np.outer(mean, mean)
        step = np.linalg.solve(hess + 1e-9 * np.eye(len(w)), grad)
        w -= step
        if np.abs(step).max() < 1e-7:
            break
    return w


def top1(groups: list[tuple[str, np.ndarray, np.ndarray]], w: np.ndarray) -> float:
    """How often the best-scored candidate is a right one."""
    return float(np.mean([y[int(np.argmax(x @ w))] > 0 for _, x, y in groups])) if groups else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("quotes", type=Path, help="the file `eval/dev.py --quotes` wrote")
    ap.add_argument("--l2", type=float, default=2.0, help="L2 penalty on the weights")
    ap.add_argument("--write", action="store_true", help=f"write the model trained on every novel to {MODEL}")
    args = ap.parse_args()
    groups = load(args.quotes)
    current = json.loads(MODEL.read_text(encoding="utf-8"))["weights"]
    w_now = np.array([current.get(k, 0.0) for k in FEATURES])
    novels = sorted({g[0] for g in groups})
    print(f"{len(groups)} pronoun tags with a right candidate. Leave one novel out: the first candidate is right")
    print(f"{'novel':<30} {'tags':>6} {'held out':>9} {'in use':>7}")
    held = now = 0.0
    for novel in novels:
        test = [g for g in groups if g[0] == novel]
        w = fit([g for g in groups if g[0] != novel], args.l2)
        a, b = top1(test, w), top1(test, w_now)
        held += a * len(test)
        now += b * len(test)
        print(f"{novel:<30} {len(test):6} {100 * a:8.1f}% {100 * b:6.1f}%")
    print(f"{'MICRO':<30} {len(groups):6} {100 * held / len(groups):8.1f}% {100 * now / len(groups):6.1f}%")
    w = fit(groups, args.l2)
    model = {"weights": {k: round(float(v), 4) for k, v in zip(FEATURES, w)},
             "trained_on": f"{len(novels)} annotated novels, {len(groups)} pronoun tags; "
                           f"eval/train_anaphora.py --l2 {args.l2}"}
    print(json.dumps(model, indent=1))
    if args.write:
        MODEL.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
