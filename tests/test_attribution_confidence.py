"""attribution/confidence.py: the stored model is a probability, and the threshold sends doubt to the unknown voice."""

from __future__ import annotations

from pathlib import Path

from audiotale import attribution, chapters, loading, pipeline
from audiotale.attribution import confidence


def test_model_file_is_well_formed() -> None:
    m = confidence.model()
    assert set(m) >= {"bias", "weights", "threshold", "trained_on"}
    assert 0.0 < confidence.threshold() < 1.0
    assert all(isinstance(v, float) for v in m["weights"].values())


def test_probability_is_monotonic_in_evidence() -> None:
    tag = confidence.probability(confidence.features("tag", {"rule_conf": 0.95}))
    turn = confidence.probability(confidence.features("turn", {"rule_conf": 0.6, "chain": 4.0}))
    assert 0.0 < turn < tag < 1.0


def test_every_quote_gets_a_decision_and_doubt_goes_to_the_unknown_voice(tmp_path: Path) -> None:
    text = ("Ann, Bob and Cora sat at the table. Ann looked at Bob. Bob looked at Cora.\n\n"
            '"Pass the salt," said Ann.\n\n"Here."\n\n"Thanks."\n\n"Anything else?"\n\n"No."\n')
    p = tmp_path / "t.txt"
    p.write_text(text, encoding="utf-8")
    book = loading.load(p)
    chars = attribution.discover(book.text, {})
    decisions: list[attribution.Decision] = []
    segs = attribution.attribute_book(book.text, pipeline.segment_book(book, chapters.split_chapters(book)),
                                      chars, decisions)
    assert len(decisions) == sum(1 for s in segs if s.kind.value == "dialogue") == 5
    assert decisions[0].segment.speaker == "Ann" and decisions[0].probability >= confidence.threshold()
    for d in decisions:
        kept = d.probability >= confidence.threshold()
        assert d.segment.speaker == (d.guess if kept else None)
        assert d.segment.evidence == "unsure" or kept
