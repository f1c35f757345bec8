"""Bad input and faults: one clear line, the right exit code, nothing lost or half-written."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiotale import synthesis
from audiotale.cli import cli
from audiotale.datatypes import Voice

SRC = Path(__file__).parent.parent / "src" / "audiotale"


def run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


def one_line_error(result: object, code: int, *needles: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.output)
    lines = result.stderr.splitlines()
    err = lines[-1]  # progress lines may come first; the error is the last line, and the only one
    assert err.startswith("Error: ") and sum(ln.startswith("Error") for ln in lines) == 1, result.stderr
    assert "Traceback" not in result.output
    for n in needles:
        assert n in err, err


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("empty.txt", b"", "is empty"),
        ("blank.txt", b"  \n\n\t \n", "has only whitespace"),
        ("stars.txt", b"* * *\n\n---\n", "has no words to speak"),
        ("binary.txt", bytes(range(256)) * 10, "looks like a binary file"),
        ("book.pdf", b"%PDF-1.4 ...", "PDF files are not supported"),
    ],
)
def test_unreadable_inputs(tmp_path: Path, name: str, content: bytes, needle: str) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    for command in ("script", "render"):
        one_line_error(run(command, str(p)), 2, str(p), needle)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    one_line_error(run("script", str(tmp_path / "nope.txt")), 2, "nope.txt: no such file")
    one_line_error(run("cast", str(tmp_path)), 2, "is a directory")


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_legacy_encodings_are_read_with_a_warning(tmp_path: Path, encoding: str) -> None:
    text = "\u201cCaf\u00e9 cr\u00e8me,\u201d said Ren\u00e9e.\n" if encoding == "cp1252" else '"Caf\u00e9," said Ren\u00e9e.\n'
    p = tmp_path / "legacy.txt"
    p.write_bytes(text.encode(encoding))
    result = run("script", str(p), "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert "not UTF-8; read it as cp1252" in result.stderr  # cp1252 is latin-1's printable superset
    rows = [json.loads(r) for r in result.stdout.splitlines()]
    assert rows[0]["kind"] == "dialogue" and "Caf\u00e9" in rows[0]["text"]


def test_bom_and_crlf_offsets_index_the_text_as_python_reads_it(tmp_path: Path) -> None:
    p = tmp_path / "windows.txt"
    p.write_bytes("\ufeffOne day.\r\n\r\n\"Hello,\" said Ann.\r\n".encode("utf-8"))
    result = run("script", str(p), "--format", "jsonl")
    assert result.exit_code == 0
    text = p.read_text(encoding="utf-8")  # Python's reading: BOM kept, CRLF -> LF
    rows = [json.loads(r) for r in result.stdout.splitlines()]
    assert all(r["text"] == text[r["start"] : r["end"]] for r in rows)
    assert [r["kind"] for r in rows] == ["narration", "dialogue", "narration"]


@pytest.mark.parametrize(
    ("toml", "needles"),
    [
        ('[narrator]\nvoice = "en-us\n', ["voices.toml:2: TOML syntax error"]),
        ("[narrator]\ncolour = 1\n", ['voices.toml:2: unknown key "narrator.colour"']),
        ('[narrator]\nvoice = "en-gb-x-pr"\n', ['unknown voice "en-gb-x-pr"; did you mean "en-gb-x-rp"?']),
        ("[narrator]\nrate = 20\n", ["narrator.rate = 20 is out of range; use a number from 80 to 450"]),
        ("[pauses]\nchapter = -1\n", ["pauses.chapter = -1 is out of range"]),
    ],
)
def test_voices_toml_errors(tmp_path: Path, toml: str, needles: list[str], story: Path) -> None:
    v = tmp_path / "voices.toml"
    v.write_text(toml, encoding="utf-8")
    one_line_error(run("render", str(story), "--voices", str(v)), 2, *needles)


def test_two_inputs_with_one_output_name_are_refused(tmp_path: Path, story: Path) -> None:
    other = tmp_path / "sub"
    other.mkdir()
    (other / story.name).write_text("Hi.", encoding="utf-8")
    one_line_error(run("render", str(story), str(other / story.name)), 2, "would both be written to short-story.mp3")


class SilentSynthesizer:
    """An engine that 'succeeds' but writes silence: the clip check must catch it."""

    calls = 0

    def render(self, text: str, voice: Voice, wav: Path) -> None:
        SilentSynthesizer.calls += 1
        with wave.open(str(wav), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(22050)
            w.writeframes(b"\0\0" * 22050)


def test_a_silent_clip_is_retried_then_reported_with_file_and_line(
    tmp_path: Path, story: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(synthesis.ENGINES, "espeak", SilentSynthesizer)
    out = tmp_path / "out"
    out.mkdir()
    (out / "short-story.mp3").write_bytes(b"previous render")
    result = run("render", str(story), "-o", str(out), "--jobs", "1")
    one_line_error(result, 1, f"{story}:1 (chapter 1)", "the clip is silent")
    assert SilentSynthesizer.calls == 3  # tried three times
    assert (out / "short-story.mp3").read_bytes() == b"previous render"  # untouched
    assert [p.name for p in out.iterdir()] == ["short-story.mp3"]  # no partial files


class InterruptingSynthesizer:
    def render(self, text: str, voice: Voice, wav: Path) -> None:
        raise KeyboardInterrupt


def test_ctrl_c_exits_130_with_a_hint(tmp_path: Path, story: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(synthesis.ENGINES, "espeak", InterruptingSynthesizer)
    result = run("render", str(story), "-o", str(tmp_path / "o"), "--jobs", "1")
    assert result.exit_code == 130
    assert "run the same command again to resume" in result.stderr
    assert not (tmp_path / "o" / "short-story.mp3").exists()


def test_no_shell_true_anywhere() -> None:
    for f in SRC.rglob("*.py"):
        assert "shell=True" not in f.read_text(encoding="utf-8"), f
        assert "os.system(" not in f.read_text(encoding="utf-8"), f


def test_a_bug_is_one_line_without_debug_and_a_traceback_with_it(
    tmp_path: Path, story: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from audiotale import pipeline

    def boom(*a: object, **k: object) -> None:
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(pipeline, "read_script", boom)
    one_line_error(run("script", str(story)), 1, "internal error (ZeroDivisionError: oops)", "--debug")
    result = run("--debug", "script", str(story))
    assert isinstance(result.exception, ZeroDivisionError)
