"""The CLI: --help for every command, the happy paths, and each user error as one clean line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiotale.cli import cli

ROOT = Path(__file__).parent.parent
DEMO = ROOT / "seeds" / "the-last-cake.txt"


@pytest.mark.parametrize("command", [[], ["render"], ["script"], ["cast"], ["voices"], ["cache"], ["cache", "info"], ["cache", "clear"], ["say"]])
def test_help(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_script_jsonl_tiles_the_input_and_finds_the_demo_speakers() -> None:
    result = CliRunner().invoke(cli, ["script", str(DEMO), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    text = DEMO.read_text(encoding="utf-8")
    rows = [json.loads(line) for line in result.output.splitlines()]
    end = 0
    covered = set()
    for r in rows:
        assert r["text"] == text[r["start"] : r["end"]] and r["start"] >= end
        assert r["kind"] in ("narration", "dialogue") and r["chapter"] == 1
        end = r["end"]
        covered.update(range(r["start"], r["end"]))
    assert all(i in covered for i, c in enumerate(text) if not c.isspace())
    dialogue = [r for r in rows if r["kind"] == "dialogue"]
    assert len(dialogue) == 41 and {r["speaker"] for r in dialogue} == {"Madoka", "Kazumi"}
    assert all(r["speaker"] is None for r in rows if r["kind"] == "narration")


def test_script_text_is_readable() -> None:
    result = CliRunner().invoke(cli, ["script", str(DEMO)])
    assert result.exit_code == 0
    assert 'Kazumi: "\'Course you haven\'t! It doesn\'t exist."' in result.output


def test_cast_json_lists_characters_with_voices(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["cast", str(DEMO), "--voices", str(ROOT / "voices.toml"), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    names = {c["name"]: c for c in data["characters"]}
    assert set(names) == {"Madoka", "Kazumi"}
    assert not names["Madoka"]["auto"] and names["Madoka"]["voice"].startswith("en-us+f2")
    assert names["Kazumi"]["lines"] + names["Madoka"]["lines"] == 41
    assert data["narrator"]["voice"].startswith("en-gb-x-rp")


def test_cast_marks_automatic_voices(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["cast", str(DEMO), "--voices", str(tmp_path / "none.toml")])
    assert result.exit_code == 2
    empty = tmp_path / "voices.toml"
    empty.write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["cast", str(DEMO), "--voices", str(empty), "--format", "json"])
    assert all(c["auto"] for c in json.loads(result.output)["characters"])


def test_voices_lists_english_voices_and_variants() -> None:
    result = CliRunner().invoke(cli, ["voices"])
    assert result.exit_code == 0
    assert "en-gb-x-rp" in result.output and "f2" in result.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["script", "nope.txt"], 2, "Error: nope.txt: no such file"),
        (["script", "."], 2, "Error: .: is a directory"),
        (["render", "nope.txt"], 2, "Error: nope.txt: no such file"),
    ],
)
def test_user_errors_are_one_line(args: list[str], code: int, message: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == code
    assert result.output.startswith(message) and result.output.count("\n") == 1
    assert "Traceback" not in result.output


def test_render_refuses_an_output_folder_under_a_file(story: Path, tmp_path: Path, fake_engine: None) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    result = CliRunner().invoke(cli, ["render", str(story), "-o", str(blocker / "out")])
    assert result.exit_code == 2
    assert "is a file, not a folder" in result.output


def test_render_happy_path(story: Path, tmp_path: Path, fake_engine: None) -> None:
    result = CliRunner().invoke(cli, ["render", str(story), "-o", str(tmp_path / "o"), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "short-story.mp3").stat().st_size > 1000
    assert "2 chapter(s)" in result.output


def test_status_line_ends_on_the_files_length_and_its_eta_scales_the_work_left(story: Path, tmp_path: Path,
                                                                                fake_engine: None) -> None:
    import dataclasses

    from audiotale import casting, pipeline
    from audiotale.cli.app import clock
    from audiotale.cli.render import _status

    seen: list[pipeline.Progress] = []
    result = pipeline.render_book(story, tmp_path / "out", casting.load_cast(None), jobs=1,
                                  progress=lambda p: seen.append(dataclasses.replace(p)))
    last = seen[-1]
    assert last.stage == "joining" and abs(last.work_done - last.work_total) < 1e-9
    assert abs(last.audio_seconds * 1000 - result.duration_ms) <= 1, "the hours shown are the file's"
    assert [p.work_done for p in seen] == sorted(p.work_done for p in seen)
    line = _status(story, last, 10.0)
    assert line == (f"short-story.txt: ch 2/2, clips {last.clips_total}/{last.clips_total}, "
                    f"{clock(result.duration_ms)} of audio, joining chapters")
    halfway = pipeline.Progress(100, 25, 4, 1, 3600.0, work_total=8.0, work_done=2.0)
    assert _status(DEMO, halfway, 30.0).endswith("1:00:00 of audio, ETA 0:01:30")


def test_output_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    import subprocess
    import sys

    book = tmp_path / "long.txt"
    book.write_text("".join(f'"Line {i} of a long talk," said Ann.\n\nTom nodded.\n\n' for i in range(3000)),
                    encoding="utf-8")
    for command in (["script", str(book)], ["script", str(book), "--format", "jsonl"]):
        proc = subprocess.Popen([sys.executable, "-m", "audiotale", *command], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=tmp_path)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.readline()
        proc.stdout.close()  # what `| head -1` does
        err = proc.stderr.read().decode()
        assert proc.wait() == 141 and err == "", err  # 128 + SIGPIPE, like other Unix tools: no message


def test_cast_table_shows_gender(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["cast", str(DEMO), "--voices", str(ROOT / "voices.toml")])
    assert result.exit_code == 0, result.output
    header, _narrator, first, *_ = result.stdout.splitlines()
    assert header.split() == ["ROLE", "LINES", "WORDS", "GENDER", "VOICE"]
    assert first.split()[3] == "female"


def test_voices_filters_by_language() -> None:
    result = CliRunner().invoke(cli, ["voices", "--lang", "en"])
    assert result.exit_code == 0
    listed = [ln.split()[0] for ln in result.stdout.split("\n\n")[0].splitlines()[1:]]
    assert "en-gb-x-rp" in listed and "en-us" in listed and "de" not in listed
    assert "none for 'zz'" in CliRunner().invoke(cli, ["voices", "--lang", "zz"]).stdout
