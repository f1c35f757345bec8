"""Confidence: the probability that a quote's speaker is right, from what the sieves saw.

A logistic model over a few features of each decision (which sieve decided, how many people
could have been meant, how far turn-taking had to count, ...). Its weights live in
`confidence.json` beside this file and are learned from annotated novels by
`eval/train_confidence.py`; the same file holds the threshold under which a quote goes to the
unknown voice, chosen so that a listener hears a neutral voice rather than a likely wrong one.
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib.resources import files

EVIDENCE = ("tag", "descriptor", "pronoun", "beat", "vocative", "turn", "context", "follow", "continued",
            "other", "guess", "lead", "description", "alternation", "letter", "story")


@cache
def model() -> dict:
    """The weights, the feature names and the threshold, read once from confidence.json."""
    return json.loads(files(__package__).joinpath("confidence.json").read_text(encoding="utf-8"))


# A measurement can mean more for one sieve than another (how far turn-taking counted matters to
# turn-taking only): these sieves get their own copy of these measurements.
OWN = ("turn", "alternation", "pronoun", "tag", "vocative", "beat")
MEASURES = ("chain", "talkers", "present", "near", "share", "narrated", "words", "candidates", "repeat",
            "addressed")


def features(evidence: str, raw: dict[str, float]) -> dict[str, float]:
    """The model's inputs: the deciding sieve as one-hot, the sieve's own measurements, and their products."""
    out = {f"ev_{e}": float(e == evidence) for e in EVIDENCE}
    out.update(raw)
    if evidence in OWN:
        out.update({f"{evidence}*{k}": raw[k] for k in MEASURES if k in raw})
    return out


def probability(feats: dict[str, float]) -> float:
    """P(speaker is right | features), by the stored logistic model."""
    m = model()
    z = m["bias"] + sum(w * feats.get(name, 0.0) for name, w in m["weights"].items())
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def threshold() -> float:
    """Below this probability a quote is read by the unknown voice."""
    return float(model()["threshold"])
