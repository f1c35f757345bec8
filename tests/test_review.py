"""`audiotale review` without a browser: the gate (token, Host), the API, and how it writes the two files."""

from __future__ import annotations

import http.client
import io
import json
import os
import shutil
import threading
import wave
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from audiotale import atomic, pipeline
from audiotale.cli import cli
from audiotale.cli.app import load_cast
from audiotale.datatypes import Kind
from audiotale.review import Review, ReviewServer, should_open_browser
from audiotale.review.session import _segment

ROOT = Path(__file__).parent.parent
DEMO = ROOT / "seeds" / "the-last-cake.txt"


class Client:
    """Talks to a running review server the way the page does (or the way an attacker would)."""

    def __init__(self, server: ReviewServer) -> None:
        self.server = server

    def request(self, method: str, path: str, body: object = None, host: str | None = None,
                token: str | None = None, raw: bytes | None = None) -> tuple[int, bytes, dict[str, str]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=20)
        headers = {"Host": host or f"127.0.0.1:{self.server.port}"}
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if data is not None:
            headers["Content-Type"] = "application/json"
        prefix = f"/{self.server.token if token is None else token}/"
        conn.request(method, prefix + path if not path.startswith("/") else path, body=data, headers=headers)
        response = conn.getresponse()
        out = response.status, response.read(), dict(response.getheaders())
        conn.close()
        return out

    def get(self, path: str) -> dict:
        status, body, _ = self.request("GET", path)
        assert status == 200, body
        return json.loads(body)

    def post(self, path: str, body: dict, expect: int = 200) -> dict:
        status, data, _ = self.request("POST", path, body)
        assert status == expect, data
        return json.loads(data)


@pytest.fixture(autouse=True)
def fresh_engines(monkeypatch: pytest.MonkeyPatch) -> None:
    """The review synthesizes in this process: start each test without engines made by another."""
    from audiotale import synthesis

    monkeypatch.setattr(synthesis, "_worker_engines", {})


@pytest.fixture
def book(tmp_path: Path) -> Path:
    shutil.copy(DEMO, tmp_path / "the-last-cake.txt")
    shutil.copy(ROOT / "voices.toml", tmp_path / "voices.toml")
    return tmp_path / "the-last-cake.txt"


def serve(review: Review) -> Iterator[Client]:
    server = ReviewServer(review)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Client(server)
    finally:
        server.shutdown()
        server.server_close()
        review.close()


@pytest.fixture
def client(book: Path, fake_engine: None, isolated_cache: Path) -> Iterator[Client]:
    yield from serve(Review(book, book.with_name("voices.toml"), cache_dir=isolated_cache))


def script_of(book: Path) -> pipeline.Script:
    """What `audiotale script` and `render` see: the same two files, read afresh."""
    return pipeline.read_script(book, load_cast(book.with_name("voices.toml")))


# -- the gate ----------------------------------------------------------------------------------------------------

def test_the_page_needs_the_token(client: Client) -> None:
    status, body, headers = client.request("GET", "")
    assert status == 200 and b"<title>audiotale review</title>" in body
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    for path in ("/", "/index.html", "/api/book", f"/{client.server.token[:-1]}/api/book", "/x/api/book"):
        status, body, _ = client.request("GET", path)
        assert status == 403, path
        assert b"title" not in body
    assert client.request("POST", "/nope/api/speaker", {"id": "x", "speaker": "Ann"})[0] == 403
    status, _, headers = client.request("GET", f"/{client.server.token}")
    assert status == 301 and headers["Location"] == f"/{client.server.token}/"


@pytest.mark.parametrize("host", ["evil.example:80", "attacker.test", "", "127.0.0.1:1", "127.0.0.1"])
def test_a_foreign_host_header_is_refused(client: Client, host: str) -> None:
    assert client.request("GET", "api/book", host=host or " ")[0] == 403


def test_localhost_is_our_host_too(client: Client) -> None:
    assert client.request("GET", "api/book", host=f"localhost:{client.server.port}")[0] == 200


def test_only_the_page_files_and_handed_out_clips_are_served(client: Client) -> None:
    for name in ("review.js", "review.css", "favicon.svg"):
        assert client.request("GET", name)[0] == 200
    for path in ("../voices.toml", "static/../session.py", "voices.toml", "the-last-cake.txt", "session.py",
                 "clip/0123456789abcdef0123456789abcdef.wav", "api/nothing"):
        assert client.request("GET", path)[0] == 404, path
    assert client.request("DELETE", "api/book")[0] == 405


def test_bad_requests_are_one_line_answers(client: Client) -> None:
    status, body, _ = client.request("POST", "api/speaker", raw=b"not json")
    assert status == 400 and "JSON" in json.loads(body)["error"]
    status, body, _ = client.request("POST", "api/speaker", {"speaker": "Madoka"})
    assert status == 400
    status, _, _ = client.request("POST", "api/speaker", raw=b"{" + b" " * 70000 + b"}")
    assert status == 413
    status, body, _ = client.request("GET", "api/chapter?n=9")
    assert status == 409 and json.loads(body)["error"] == "there is no chapter 9; the book has 1"


def test_it_binds_the_loopback_address_only(client: Client) -> None:
    assert client.server.server_address[0] == "127.0.0.1"
    assert client.server.url == f"http://127.0.0.1:{client.server.port}/{client.server.token}/"
    assert len(client.server.token) >= 20


# -- reading ------------------------------------------------------------------------------------------------------

def test_book_counts_and_chapter_match_the_script(client: Client, book: Path) -> None:
    frame = client.get("api/book")
    assert frame["counts"]["quotes"] == 41 and frame["counts"]["unknown"] == 0
    assert frame["chapters"] == [{"number": 1, "title": "The Last Cake", "quotes": 41, "unknown": 0,
                                  "uncertain": frame["counts"]["uncertain"]}]
    roles = {r["role"]: r for r in frame["cast"]}
    assert set(roles) == {"narrator", "unknown", "Madoka", "Kazumi"}
    assert roles["Madoka"]["voice"]["id"] == "en-us+f2" and roles["Madoka"]["aliases"] == ["Madoka Kaname"]
    chapter = client.get("api/chapter?n=1")
    quotes = [s for s in chapter["segments"] if s["kind"] == "dialogue"]
    expected = [s for s in script_of(book).segments if s.kind is Kind.DIALOGUE]
    assert [(q["id"], q["speaker"]) for q in quotes] == [(s.quote_id, s.speaker) for s in expected]
    assert sum(q["uncertain"] for q in quotes) == frame["counts"]["uncertain"]
    assert chapter["speakers"] == ["Kazumi", "Madoka"]


def test_a_segment_kind_the_page_does_not_know_is_passed_on_as_text() -> None:
    class Reason(str, Enum):
        ILLUSTRATION = "illustration"

    skipped = SimpleNamespace(index=3, kind=SimpleNamespace(value="skipped"), text="[Illustration]", paragraph=2,
                              scene_break_before=False, reason=Reason.ILLUSTRATION)
    assert _segment(skipped) == {"i": 3, "kind": "skipped", "text": "[Illustration]", "paragraph": 2,
                                 "scene": False, "reason": "illustration"}


# -- writing the corrections file -----------------------------------------------------------------------------------

def test_a_speaker_change_is_written_at_once_and_script_agrees(client: Client, book: Path) -> None:
    fixes = book.with_name("the-last-cake.corrections.toml")
    first = next(s for s in script_of(book).segments if s.kind is Kind.DIALOGUE)
    other = "Madoka" if first.speaker == "Kazumi" else "Kazumi"
    client.post("api/speaker", {"id": first.quote_id, "speaker": other})
    assert f'"{first.quote_id}" = "{other}"' in fixes.read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["script", str(book), "--voices", str(book.with_name("voices.toml"))])
    assert f"[{first.quote_id}] {other}: " in result.output and "[corrected 1.00]" in result.output
    shown = next(s for s in client.get("api/chapter?n=1")["segments"] if s.get("id") == first.quote_id)
    assert (shown["speaker"], shown["evidence"]) == (other, "corrected")
    assert client.get("api/book")["counts"]["corrected"] == 1

    client.post("api/speaker", {"id": first.quote_id, "speaker": "Madoka Kaname"})  # an alias: the character
    assert f'"{first.quote_id}" = "Madoka"' in fixes.read_text(encoding="utf-8")
    client.post("api/speaker", {"id": first.quote_id, "speaker": None})
    assert f'"{first.quote_id}" = "unknown"' in fixes.read_text(encoding="utf-8")
    assert client.get("api/book")["counts"]["unknown"] == 1
    client.post("api/speaker", {"id": first.quote_id, "automatic": True})
    assert first.quote_id not in fixes.read_text(encoding="utf-8")
    assert next(s for s in script_of(book).segments if s.quote_id == first.quote_id).speaker == first.speaker


def test_a_correction_keeps_the_rest_of_the_file(client: Client, book: Path) -> None:
    fixes = book.with_name("the-last-cake.corrections.toml")
    quotes = [s for s in script_of(book).segments if s.kind is Kind.DIALOGUE]
    fixes.write_text(f'# my notes\n"{quotes[0].quote_id}" = "Kazumi"   # checked twice\n"9-000000" = "Ann"\n',
                     encoding="utf-8")
    client.post("api/speaker", {"id": quotes[1].quote_id, "speaker": "Madoka"})
    text = fixes.read_text(encoding="utf-8")
    assert text.startswith(f'# my notes\n"{quotes[0].quote_id}" = "Kazumi"   # checked twice\n"9-000000" = "Ann"\n')
    assert f'"{quotes[1].quote_id}" = "Madoka"' in text


def test_an_unknown_quote_id_is_refused(client: Client, book: Path) -> None:
    answer = client.post("api/speaker", {"id": "1-ffffff", "speaker": "Madoka"}, expect=409)
    assert answer["error"] == "no quote 1-ffffff in the-last-cake.txt; reload the page"
    assert not book.with_name("the-last-cake.corrections.toml").exists()


# -- writing voices.toml -------------------------------------------------------------------------------------------

def test_a_voice_change_keeps_comments_order_and_formatting(client: Client, book: Path) -> None:
    voices = book.with_name("voices.toml")
    before = voices.read_text(encoding="utf-8")
    client.post("api/voice", {"role": "Madoka", "changes": {"voice": "en-us+f4", "pitch": 60}})
    after = voices.read_text(encoding="utf-8")
    assert after == before.replace('voice = "en-us+f2"', 'voice = "en-us+f4"').replace("pitch = 72", "pitch = 60")
    client.post("api/voice", {"role": "narrator", "changes": {"rate": 170}})
    assert "rate = 170             # words per minute" in voices.read_text(encoding="utf-8")
    roles = {r["role"]: r for r in client.get("api/book")["cast"]}
    assert roles["Madoka"]["voice"]["id"] == "en-us+f4" and roles["narrator"]["voice"]["rate"] == 170
    result = CliRunner().invoke(cli, ["cast", str(book), "--voices", str(voices), "--format", "json"])
    assert {c["name"]: c["voice"] for c in json.loads(result.output)["characters"]}["Madoka"] == "en-us+f4 165wpm p60"


def test_a_voice_render_would_refuse_is_not_written(client: Client, book: Path) -> None:
    voices = book.with_name("voices.toml")
    before = voices.read_text(encoding="utf-8")
    answer = client.post("api/voice", {"role": "Kazumi", "changes": {"rate": 1000}}, expect=409)
    assert "characters.Kazumi.rate = 1000 is out of range" in answer["error"]
    answer = client.post("api/voice", {"role": "Kazumi", "changes": {"voice": "en-xx"}}, expect=409)
    assert 'unknown voice "en-xx"' in answer["error"]
    assert voices.read_text(encoding="utf-8") == before


def test_a_hibari_voice_is_offered_and_written_with_its_pitch_in_semitones(client: Client, book: Path) -> None:
    from audiotale.engines import REGISTRY

    if REGISTRY["hibari"].missing():
        pytest.skip("the neural extra is not installed (pip install 'audiotale[neural]')")
    assert "heart" in client.get("api/voices")["hibari"]
    voices = book.with_name("voices.toml")
    client.post("api/voice", {"role": "Madoka", "changes": {"engine": "hibari", "voice": "heart"}})
    client.post("api/voice", {"role": "Madoka", "changes": {"pitch": 3.5}})
    madoka = load_cast(voices).characters["Madoka"]
    assert (madoka.engine, madoka.id, madoka.pitch) == ("hibari", "heart", 3.5)
    client.post("api/voice", {"role": "Madoka", "changes": {"engine": "espeak", "voice": "en-us+f2", "pitch": 40.2}})
    madoka = load_cast(voices).characters["Madoka"]
    assert (madoka.engine, madoka.id, madoka.pitch) == ("espeak", "en-us+f2", 40)


def test_an_automatic_voice_gets_a_table_when_changed(book: Path, fake_engine: None, isolated_cache: Path) -> None:
    voices = book.with_name("new-voices.toml")
    for c in serve(Review(book, voices, cache_dir=isolated_cache)):
        auto = {r["role"]: r for r in c.get("api/book")["cast"]}["Kazumi"]
        assert auto["auto"] and not voices.exists()
        c.post("api/voice", {"role": "Kazumi", "changes": {"pitch": 33}})
        cast = load_cast(voices)
        assert cast.characters["Kazumi"].pitch == 33 and cast.characters["Kazumi"].id == auto["voice"]["id"]
        row = {r["role"]: r for r in c.get("api/book")["cast"]}["Kazumi"]
        assert not row["auto"] and row["lines"] == auto["lines"]


def test_rename_keeps_the_lines_and_merge_makes_an_alias(story: Path, fake_engine: None, isolated_cache: Path) -> None:
    voices = story.with_name("voices.toml")
    voices.write_text("# mine\n[characters.Ann]  # the lead\nvoice = \"en-us+f2\"\n", encoding="utf-8")
    for c in serve(Review(story, voices, cache_dir=isolated_cache)):
        lines = {r["role"]: r["lines"] for r in c.get("api/book")["cast"]}
        c.post("api/rename", {"name": "Ann", "to": "Ann Smith"})
        assert voices.read_text(encoding="utf-8") == ('# mine\n[characters."Ann Smith"]  # the lead\n'
                                                      'voice = "en-us+f2"\naliases = ["Ann"]\n')
        after = {r["role"]: r["lines"] for r in c.get("api/book")["cast"]}
        assert after["Ann Smith"] == lines["Ann"] and "Ann" not in after
        answer = c.post("api/rename", {"name": "Tom", "to": "Ann"}, expect=409)
        assert answer["error"] == '"Ann" is already Ann Smith; merge Tom into Ann Smith instead'
        c.post("api/merge", {"name": "Tom", "into": "Ann Smith"})
        assert 'aliases = ["Ann", "Tom"]' in voices.read_text(encoding="utf-8")
        speakers = {s.speaker for s in pipeline.read_script(story, load_cast(voices)).segments if s.kind is Kind.DIALOGUE}
        assert speakers == {"Ann Smith"}
        assert [r["role"] for r in c.get("api/book")["cast"]] == ["narrator", "unknown", "Ann Smith"]
        assert c.post("api/voice", {"role": "Tom", "changes": {"pitch": 1}}, expect=409)["error"] == (
            '"Tom" is now Ann Smith; reload the page')


def test_a_broken_voices_toml_is_shown_not_fatal(client: Client, book: Path) -> None:
    voices = book.with_name("voices.toml")
    good = voices.read_text(encoding="utf-8")
    voices.write_text(good.replace("rate = 165", "rate = fast", 1), encoding="utf-8")
    frame = client.get("api/book")
    assert frame["errors"] == [f"{voices}:12: TOML syntax error: Invalid value; fix the line (strings need quotes)"]
    assert frame["counts"]["quotes"] == 41  # the last good cast keeps the page working
    answer = client.post("api/voice", {"role": "Madoka", "changes": {"pitch": 50}}, expect=409)
    assert answer["error"].startswith(f"fix voices.toml first: {voices}:12")
    assert "rate = fast" in voices.read_text(encoding="utf-8")
    voices.write_text(good, encoding="utf-8")  # fixed in an editor: the page sees it
    assert client.get("api/book")["errors"] == []


def test_writes_are_atomic(client: Client, book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    voices = book.with_name("voices.toml")
    before = voices.read_text(encoding="utf-8")

    def disk_full(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device", str(dst))

    monkeypatch.setattr(atomic.os, "replace", disk_full)
    answer = client.post("api/voice", {"role": "Madoka", "changes": {"pitch": 50}}, expect=500)
    assert answer["error"] == f"{voices}: No space left on device; nothing was changed (check the folder and free space)"
    quote = next(s for s in script_of(book).segments if s.kind is Kind.DIALOGUE)
    client.post("api/speaker", {"id": quote.quote_id, "speaker": "Madoka"}, expect=500)
    assert voices.read_text(encoding="utf-8") == before
    assert not book.with_name("the-last-cake.corrections.toml").exists()
    assert sorted(p.name for p in book.parent.iterdir() if p.name.startswith(".")) == []


def test_two_tabs_and_an_editor_never_lose_a_change(client: Client, book: Path) -> None:
    quotes = [s for s in script_of(book).segments if s.kind is Kind.DIALOGUE]
    voices = book.with_name("voices.toml")
    other = Client(client.server)  # a second tab
    errors: list[BaseException] = []

    def correct(c: Client, part: list) -> None:
        try:
            for q in part:
                c.post("api/speaker", {"id": q.quote_id, "speaker": "Kazumi"})
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    tabs = [threading.Thread(target=correct, args=(c, quotes[i:20:2])) for i, c in enumerate((client, other))]
    for t in tabs:
        t.start()
    client.post("api/voice", {"role": "Madoka", "changes": {"pitch": 61}})
    voices.write_text(voices.read_text(encoding="utf-8").replace("pitch = 55", "pitch = 56"), encoding="utf-8")
    other.post("api/voice", {"role": "narrator", "changes": {"rate": 171}})
    for t in tabs:
        t.join()
    assert not errors
    fixed = {s.quote_id for s in script_of(book).segments if s.evidence == "corrected"}
    assert fixed == {q.quote_id for q in quotes[:20]}
    cast = load_cast(voices)
    assert (cast.characters["Madoka"].pitch, cast.characters["Kazumi"].pitch, cast.narrator.rate) == (61, 56, 171)
    assert client.get("api/book")["counts"]["corrected"] == 20


# -- hearing --------------------------------------------------------------------------------------------------------

def test_playing_a_line_gives_its_clips_in_its_voice(client: Client, book: Path) -> None:
    quote = next(s for s in script_of(book).segments if s.kind is Kind.DIALOGUE and s.speaker == "Madoka")
    clips = client.post("api/play", {"chapter": 1, "index": quote.index})["clips"]
    assert clips and clips[0]["pause"] == 0
    status, wav, headers = client.request("GET", f"clip/{clips[0]['key']}.wav")
    assert status == 200 and headers["Content-Type"] == "audio/wav"
    with wave.open(io.BytesIO(wav)) as w:
        assert w.getnframes() / w.getframerate() > 0.1
    again = client.post("api/play", {"chapter": 1, "index": quote.index})["clips"]
    assert again == clips  # the same clip cache: nothing new to synthesize
    client.post("api/voice", {"role": "Madoka", "changes": {"pitch": 10}})
    assert client.post("api/play", {"chapter": 1, "index": quote.index})["clips"][0]["key"] != clips[0]["key"]


def test_a_character_row_plays_a_sample(client: Client) -> None:
    for role in ("narrator", "unknown", "Kazumi"):
        clips = client.post("api/sample", {"role": role})["clips"]
        assert clips and client.request("GET", f"clip/{clips[0]['key']}.wav")[0] == 200
    assert client.post("api/sample", {"role": "Nobody"}, expect=409)["error"] == (
        'nobody is called "Nobody" here; reload the page')


# -- the command ----------------------------------------------------------------------------------------------------

def test_browser_is_never_opened_in_ci_or_without_a_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("DISPLAY", ":0")
    assert not should_open_browser()
    monkeypatch.delenv("CI")
    assert should_open_browser()
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not should_open_browser()


def test_review_of_a_missing_book_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["review", str(tmp_path / "nope.txt"), "--no-browser"])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert result.output.startswith(f"Error: {tmp_path / 'nope.txt'}: no such file")


def test_review_help() -> None:
    result = CliRunner().invoke(cli, ["review", "--help"])
    assert result.exit_code == 0 and "--no-browser" in result.output


def test_atomic_write_keeps_permissions(tmp_path: Path) -> None:
    p = tmp_path / "voices.toml"
    p.write_text("old\n", encoding="utf-8")
    os.chmod(p, 0o640)
    atomic.write_text(p, "new\n")
    assert p.read_text(encoding="utf-8") == "new\n" and (p.stat().st_mode & 0o777) == 0o640


def test_an_engine_failure_reaches_the_page_as_its_reason(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from audiotale import synthesis
    from audiotale.errors import EngineError

    class Broken:
        def render(self, text: str, voice: object, wav: Path) -> None:
            raise EngineError("eSpeak NG failed to start: no audio data; run `make install`")

    monkeypatch.setitem(synthesis.ENGINES, "espeak", Broken)
    clips = client.post("api/sample", {"role": "Madoka"})["clips"]
    status, body, _ = client.request("GET", f"clip/{clips[0]['key']}.wav")
    assert (status, body) == (500, b"eSpeak NG failed to start: no audio data; run `make install`\n")


def test_an_edit_of_the_book_is_seen(client: Client, book: Path) -> None:
    assert client.get("api/book")["counts"]["quotes"] == 41
    book.write_text(book.read_text(encoding="utf-8") + '\n"One more line," said Madoka.\n', encoding="utf-8")
    assert client.get("api/book")["counts"]["quotes"] == 42


def test_a_clip_dropped_by_a_newer_click_is_still_served_to_whoever_asks(client: Client, book: Path) -> None:
    narration = [s for s in script_of(book).segments if s.kind is Kind.NARRATION and len(s.text) > 400]
    first = client.post("api/play", {"chapter": 1, "index": narration[0].index})["clips"]
    client.post("api/play", {"chapter": 1, "index": narration[1].index})  # cancels what the first queued
    for clip in first:
        assert client.request("GET", f"clip/{clip['key']}.wav")[0] == 200
