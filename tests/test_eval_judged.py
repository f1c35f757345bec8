"""eval/judged.py: sample quotes of a book nobody annotated, judge them by hand, score attribution on them."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "eval" / "judged.py"
BOOK = ("Chapter 1\n\nTom sat by the fire. Mary came in; Mary was cold.\n\n"
        '"Sit down," said Tom.\n\n"Thank you," she said.\n\n"Tea?"\n\n"Please."\n')


@pytest.fixture(scope="module")
def judged():
    spec = importlib.util.spec_from_file_location("judged", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_name_is_right_for_its_character_only(judged) -> None:
    cast = {"tom": ["Tom", "Tom Ashby"], "mary": ["Mary", "Mrs. Ashby"]}
    assert judged.judge("Mr. Tom Ashby", "tom", cast) == "right"
    assert judged.judge("Mrs. Ashby", "tom", cast) == "wrong"
    assert judged.judge(None, "tom", cast) == "unknown"


def test_sample_then_score(judged, tmp_path: Path, capsys) -> None:
    book = tmp_path / "tale.txt"
    book.write_text(BOOK, encoding="utf-8")
    out = tmp_path / "judged.json"
    judged.sample(book, out, per=5, seed=1)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {q["stratum"] for q in data["quotes"]} == {"named", "pronoun", "none"}
    assert all(">>>" in q["context"] and q["speaker"] is None for q in data["quotes"])
    answers = {"Sit down": "tom", "Thank you": "mary", "Tea": "tom", "Please": "mary"}
    for q in data["quotes"]:
        q["speaker"] = next(who for start, who in answers.items() if start in q["quote"])
        q["type"] = "explicit" if q["stratum"] == "named" else "anaphoric" if q["stratum"] == "pronoun" else "implicit"
    data["characters"] = {"tom": ["Tom"], "mary": ["Mary"]}
    out.write_text(json.dumps(data), encoding="utf-8")
    judged.score([out], details=True)
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("tale "))
    assert row.split()[1:3] == [str(len(data["quotes"])), "100.0"]


def test_a_fresh_draw_leaves_out_judged_quotes_and_other_chapters(judged, tmp_path: Path) -> None:
    book = tmp_path / "tale.txt"
    book.write_text(BOOK + "\nChapter 2\n\n" + '"Good night," said Tom.\n\n"Sleep well," she said.\n', encoding="utf-8")
    first = tmp_path / "first.json"
    judged.sample(book, first, per=1, seed=1, chapters=(1, 1))
    old = json.loads(first.read_text(encoding="utf-8"))["quotes"]
    assert old and all(q["quote"][1:5] in BOOK for q in old)
    fresh = tmp_path / "fresh.json"
    judged.sample(book, fresh, per=5, seed=1, exclude=[first])
    new = json.loads(fresh.read_text(encoding="utf-8"))["quotes"]
    assert {q["quote"] for q in new}.isdisjoint(q["quote"] for q in old)
    assert any("Good night" in q["quote"] for q in new)
