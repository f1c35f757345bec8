// audiotale review: the script by chapter, who says each quote, and the cast's voices.
// Plain JavaScript, no build step. Every URL is relative: the page lives under /TOKEN/.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

const state = {
  book: null,          // api/book: title, counts, chapters, cast, characters, errors, version
  voices: null,        // api/voices: espeak voices, variants, piper models
  chapter: null,       // api/chapter of the chapter shown
  keys: [],            // digit -> speaker for this chapter visit (most lines first)
  selected: null,      // index (segment `i`) of the selected quote
  problems: [],        // transient request errors
};

// ---- talking to the server --------------------------------------------------------------------------------

async function api(path, body) {
  const options = body === undefined ? {} : {
    // keepalive: a change sent as the page goes away (a blur committing a number on reload) still lands.
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), keepalive: true,
  };
  const response = await fetch(path, options);
  let data = {};
  try { data = await response.json(); } catch (e) { data = { error: `${response.status} ${response.statusText}` }; }
  if (!response.ok) throw new Error(data.error || `${response.status} ${response.statusText}`);
  return data;
}

function problem(message) {
  state.problems = [message];
  showErrors();
}

async function change(path, body) {
  // Write one change, then show what the files now say.
  try {
    await api(path, body);
    state.problems = [];
  } catch (e) {
    problem(e.message);
  }
  await reload();
}

// ---- colours ------------------------------------------------------------------------------------------------

function hue(name) {
  let h = 0;
  for (const c of name || "") h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return Math.round(((h * 0.618033988749895) % 1) * 360);
}

function paint(node, name) {
  node.style.setProperty("--h", String(hue(name)));
  return node;
}

// ---- the frame: counts, chapters, cast -----------------------------------------------------------------------

async function loadBook() {
  showBook(await api("api/book"));
}

function showBook(book) {
  state.book = book;
  document.title = `${state.book.title} · audiotale review`;
  $("#title").textContent = state.book.title;
  for (const span of document.querySelectorAll("#counts .count")) {
    $("b", span).textContent = state.book.counts[span.dataset.k];
  }
  const files = state.book.files;
  $("#files").replaceChildren(
    "writes ", el("code", "", files.voices), files.voices_exists ? "" : " (new)", " and ",
    el("code", "", files.corrections), files.corrections_exists ? "" : " (new)");
  showErrors();
  showChapters();
  showCast();
}

function showErrors() {
  const lines = [...(state.book ? state.book.errors : []), ...state.problems];
  $("#errors").replaceChildren(...lines.map((line) => el("div", "", line)));
}

function showChapters() {
  const list = $("#chapters ol");
  list.replaceChildren(...state.book.chapters.map((c) => {
    const li = el("li");
    li.dataset.n = c.number;
    li.title = `${c.quotes} quotes, ${c.unknown} unknown, ${c.uncertain} uncertain`;
    li.append(el("span", "t", c.title));
    const todo = c.unknown + c.uncertain;
    li.append(el("span", todo ? "n todo" : "n", todo ? `${todo}/${c.quotes}` : String(c.quotes)));
    if (state.chapter && state.chapter.number === c.number) li.classList.add("current");
    li.addEventListener("click", () => openChapter(c.number));
    return li;
  }));
}

function lazily(select, current, fill) {
  // A select shows its current value; the long list is built when someone reaches for it.
  // (A novel's cast times ~200 voices and variants is ~10,000 options: 200 ms of layout on every load.)
  select.append(current);
  select.value = current.value;
  const full = () => {
    if (select.dataset.full) return;
    select.dataset.full = "1";
    const value = select.value;
    select.replaceChildren();
    fill(select);
    if (![...select.options].some((o) => o.value === value)) select.prepend(current);
    select.value = value;
  };
  for (const event of ["pointerdown", "mousedown", "focus", "keydown"]) select.addEventListener(event, full);
}

function voiceOptions(select, voice) {
  // One group per engine: [label, engine, [value, text] of each voice]; an engine with none is left out.
  const groups = [
    ["eSpeak NG", "espeak", state.voices.espeak.map((v) => [v.id, `${v.id} (${v.name})`])],
    ["Piper", "piper", state.voices.piper.map((m) => [m, m])],
    ["hibari", "hibari", state.voices.hibari.map((v) => [v, v])],
  ];
  for (const [label, engine, voices] of groups) {
    if (!voices.length) continue;
    const group = el("optgroup");
    group.label = label;
    for (const [id, text] of voices) group.append(new Option(text, `${engine}:${id}`));
    select.append(group);
  }
}

function currentVoice(voice) {
  const base = voice.engine === "espeak" ? voice.id.split("+")[0].toLowerCase() : "";
  const known = voice.engine === "espeak" ? state.voices.espeak.find((v) => v.id === base) : null;
  if (voice.engine === "hibari") return new Option(voice.id, `hibari:${voice.id}`);
  const label = voice.engine === "espeak" ? (known ? `${base} (${known.name})` : base) : voice.model;
  return new Option(label, voice.engine === "espeak" ? `espeak:${base}` : `${voice.engine}:${voice.model}`);
}

function showCast() {
  const others = state.book.cast.filter((r) => r.role !== "narrator" && r.role !== "unknown");
  // The box being typed in survives the redraw another change's reply brings: same row, same box, still
  // focused, with its selection and the value typed so far; Enter, blur or leaving the page commit it.
  const typing = document.activeElement;
  const kept = typing && typing.matches && typing.matches("#roles input.rate, #roles input.pitch")
    ? { role: typing.dataset.role, key: typing.classList.contains("rate") ? "rate" : "pitch", value: typing.value,
        untouched: typing.value === typing.dataset.saved }
    : null;
  $("#roles").replaceChildren(...state.book.cast.map((r) => roleRow(r, others)));
  if (kept) {
    const input = [...document.querySelectorAll(`#roles input.${kept.key}`)].find((i) => i.dataset.role === kept.role);
    if (input) {
      input.value = kept.value;
      input.focus();
      if (kept.untouched) input.select();  // as when the box was entered: typing replaces the number
    }
  }
}

function roleRow(r, others) {
  const plain = r.role === "narrator" || r.role === "unknown";
  const row = el("div", plain ? "role plain" : "role");
  row.dataset.role = r.role;
  if (!plain) paint(row, r.role);
  const head = el("div", "head");
  const play = el("button", "play", "▶");
  play.type = "button";
  play.title = `Hear ${r.label}`;
  play.addEventListener("click", () => player.sample(r.role, r.label));
  head.append(play, el("span", "name", r.label));
  head.append(el("span", "meta", plain && r.role === "narrator" ? "" : `${r.lines} lines`));
  if (r.auto) head.append(el("span", "auto", "auto"));
  row.append(head);
  if (r.aliases.length) row.append(el("div", "aliases", `also ${r.aliases.join(", ")}`));

  const controls = el("div", "controls");
  const voice = el("select", "voice");
  voice.title = "Voice";
  lazily(voice, currentVoice(r.voice), (select) => voiceOptions(select, r.voice));
  const variant = el("select", "variant");
  variant.title = "eSpeak variant (f: female, m: male)";
  const current = r.voice.engine === "espeak" ? (r.voice.id.split("+")[1] || "") : "";
  lazily(variant, new Option(current ? `+${current}` : "no variant", current), (select) => {
    for (const v of ["", ...state.voices.variants]) select.append(new Option(v ? `+${v}` : "no variant", v));
  });
  variant.hidden = r.voice.engine !== "espeak";
  const setVoice = () => {
    const [engine, id] = voice.value.split(/:(.*)/s);
    if (engine === "espeak") {
      change("api/voice", { role: r.role, changes: { engine, voice: variant.value ? `${id}+${variant.value}` : id } });
    } else if (engine === "hibari") {
      change("api/voice", { role: r.role, changes: { engine, voice: id } });
    } else {
      change("api/voice", { role: r.role, changes: { engine, model: id } });
    }
  };
  voice.addEventListener("change", setVoice);
  variant.addEventListener("change", setVoice);
  controls.append(voice, variant);
  // eSpeak NG's pitch is 0-99; a neural voice's is semitones up or down from its own.
  const pitch = r.voice.engine === "espeak" ? ["pitch", 0, 99, 1] : ["pitch", -12, 12, 0.5];
  for (const [key, lo, hi, step] of [["rate", 80, 450, 1], pitch]) {
    const label = el("label", "", `${key} `);
    const input = el("input", key);
    input.type = "number";
    input.min = lo;
    input.max = hi;
    input.step = step;
    if (key === "pitch" && r.voice.engine !== "espeak") input.title = "semitones";
    input.value = r.voice[key];
    input.dataset.saved = input.value;
    input.dataset.role = r.role;
    input.addEventListener("change", () => {
      input.dataset.saved = input.value;
      change("api/voice", { role: r.role, changes: { [key]: Number(input.value) } });
    });
    label.append(input);
    controls.append(label);
  }
  row.append(controls);

  if (!plain) {
    const more = el("details");
    more.append(el("summary", "", "rename, merge"));
    const renameRow = el("div", "row");
    const name = el("input", "rename-to");
    name.value = r.role;
    name.setAttribute("aria-label", "New name");
    const renameButton = el("button", "small", "Rename");
    renameButton.type = "button";
    renameButton.addEventListener("click", () => {
      if (name.value.trim() && name.value.trim() !== r.role) change("api/rename", { name: r.role, to: name.value.trim() });
    });
    renameRow.append(name, renameButton);
    const mergeRow = el("div", "row");
    const into = el("select", "merge-into");
    into.append(new Option(`${r.role} is really…`, ""));
    for (const o of others) if (o.role !== r.role) into.append(new Option(o.label, o.role));
    const mergeButton = el("button", "small", "Merge");
    mergeButton.type = "button";
    mergeButton.title = `${r.role} becomes an alias of the chosen character`;
    mergeButton.addEventListener("click", () => {
      if (into.value) change("api/merge", { name: r.role, into: into.value });
    });
    mergeRow.append(into, mergeButton);
    more.append(renameRow, mergeRow);
    row.append(more);
  }
  return row;
}

// ---- the script --------------------------------------------------------------------------------------------

async function openChapter(number, select) {
  showOpened(await api(`api/chapter?n=${number}`), select);
}

function showOpened(chapter, select) {
  state.chapter = chapter;
  state.keys = state.chapter.speakers.slice(0, 9);
  state.selected = null;
  showChapter();
  showChapters();
  const quotes = quoteIndexes();
  if (select === "first-todo") state.selected = quotes.find((i) => needsLook(segment(i))) ?? null;
  else if (select !== undefined && select !== null) state.selected = select;
  if (select === undefined) $("#script").scrollTop = 0;
  markSelected(true);
}

function segment(i) {
  return state.chapter.segments.find((s) => s.i === i);
}

function quoteIndexes() {
  return state.chapter.segments.filter((s) => s.kind === "dialogue").map((s) => s.i);
}

function needsLook(s) {
  return s && s.kind === "dialogue" && (s.speaker === null || s.uncertain);
}

function showChapter() {
  const ch = state.chapter;
  $("#chapter-title").textContent = ch.title;
  const keys = $("#keys");
  keys.replaceChildren(...state.keys.map((name, k) => {
    const span = paint(el("span"), name);
    span.append(el("kbd", "", String(k + 1)), ` ${name}`);
    return span;
  }));
  if (state.keys.length) {
    const unknown = el("span");
    unknown.append(el("kbd", "", "0"), " unknown");
    keys.append(unknown);
  }
  const text = $("#text");
  const out = [];
  let p = null;
  let paragraph = null;
  for (const s of ch.segments) {
    if (s.scene) { out.push(el("hr")); p = null; }
    if (p === null || s.paragraph !== paragraph) {
      p = el("p");
      out.push(p);
      paragraph = s.paragraph;
    } else {
      p.append(" ");
    }
    p.append(segmentNode(s));
  }
  if (!out.length) out.push(el("p", "loading", "(this chapter has no text)"));
  text.replaceChildren(...out);
}

function segmentNode(s) {
  const text = s.text.replace(/\s+/g, " ").trim();
  if (s.kind === "narration") {
    const span = el("span", "seg narration", text);
    span.dataset.i = s.i;
    span.addEventListener("click", () => player.segment(s.i));
    return span;
  }
  if (s.kind !== "dialogue") {  // skipped text, or a kind this page does not know yet: shown, greyed, not voiced
    const span = el("span", s.kind === "skipped" ? "seg skipped" : "seg other", text);
    span.title = s.reason ? `${s.kind}: ${s.reason}` : s.kind;
    span.dataset.i = s.i;
    return span;
  }
  const span = el("span", "seg quote");
  span.dataset.i = s.i;
  span.dataset.id = s.id;
  if (s.speaker === null) span.classList.add("unknown");
  else paint(span, s.speaker);
  if (s.uncertain) span.classList.add("uncertain");
  if (s.evidence === "corrected") span.classList.add("corrected");
  span.title = s.evidence ? `${s.evidence} ${s.confidence.toFixed(2)} · ${s.id}` : s.id;
  const who = el("button", "who", s.speaker === null ? "unknown" : s.speaker);
  who.type = "button";
  who.title = "Change the speaker (Enter)";
  who.addEventListener("click", (event) => {
    event.stopPropagation();
    select(s.i);
    picker.open(s.i);
  });
  span.append(who, text);
  span.addEventListener("click", () => {
    select(s.i);
    player.segment(s.i);
  });
  return span;
}

function nodeOf(i) {
  return $(`#text .seg[data-i="${i}"]`);
}

function select(i) {
  state.selected = i;
  markSelected(true);
}

function markSelected(scroll) {
  // The address says where we are (#chapter/quote id), so a reload comes back to the same quote.
  const s = state.selected === null ? null : segment(state.selected);
  history.replaceState(null, "", `#${state.chapter.number}${s && s.id ? `/${s.id}` : ""}`);
  for (const n of document.querySelectorAll("#text .seg.selected")) n.classList.remove("selected");
  if (state.selected === null) return;
  const node = nodeOf(state.selected);
  if (!node) return;
  node.classList.add("selected");
  if (scroll) node.scrollIntoView({ block: scroll === "center" ? "center" : "nearest" });
}

function move(step) {
  const quotes = quoteIndexes();
  if (!quotes.length) return;
  const at = quotes.indexOf(state.selected);
  const next = at < 0 ? (step > 0 ? 0 : quotes.length - 1) : Math.min(quotes.length - 1, Math.max(0, at + step));
  select(quotes[next]);
}

async function moveUncertain(step) {
  const quotes = quoteIndexes();
  const at = quotes.indexOf(state.selected);
  const order = step > 0 ? quotes.slice(at + 1) : quotes.slice(0, Math.max(at, 0)).reverse();
  const found = order.find((i) => needsLook(segment(i)));
  if (found !== undefined) { select(found); return; }
  const chapters = state.book.chapters;
  const here = chapters.findIndex((c) => c.number === state.chapter.number);
  const later = step > 0 ? chapters.slice(here + 1) : chapters.slice(0, here).reverse();
  const next = later.find((c) => c.unknown + c.uncertain > 0);
  if (next) await openChapter(next.number, "first-todo");
  else flash("No more uncertain quotes");
}

async function setSpeaker(i, speaker, automatic) {
  const s = segment(i);
  if (!s || s.kind !== "dialogue") return;
  await change("api/speaker", { id: s.id, speaker, automatic: !!automatic });
}

async function reload() {
  // What the two files say now: the frame, and the chapter on screen (keeping the selection).
  await loadBook();
  if (state.chapter) {
    const keys = state.keys;
    const scroll = $("#script").scrollTop;
    await openChapter(state.chapter.number, state.selected);
    state.keys = keys;  // digits keep their speakers for this chapter visit
    showChapter();
    markSelected(false);
    $("#script").scrollTop = scroll;
  }
}

// ---- the speaker list -------------------------------------------------------------------------------------

const picker = {
  target: null,
  items: [],
  active: 0,
  open(i) {
    const s = segment(i);
    if (!s || s.kind !== "dialogue") return;
    this.target = i;
    const box = $("#picker");
    const input = $("#picker-filter");
    input.value = "";
    box.hidden = false;
    this.fill("");
    const anchor = nodeOf(i).getBoundingClientRect();
    const below = anchor.bottom + 4 + box.offsetHeight < window.innerHeight;
    box.style.left = `${Math.max(8, Math.min(anchor.left, window.innerWidth - box.offsetWidth - 8))}px`;
    box.style.top = `${Math.max(8, below ? anchor.bottom + 4 : anchor.top - box.offsetHeight - 4)}px`;
    input.focus();
  },
  close() {
    $("#picker").hidden = true;
    this.target = null;
  },
  fill(filter) {
    const f = filter.trim().toLowerCase();
    const s = segment(this.target);
    const chapterNames = state.chapter.speakers;
    const everyone = state.book.characters.filter((n) => !chapterNames.includes(n));
    const match = (n) => !f || n.toLowerCase().includes(f);
    const items = [];
    chapterNames.filter(match).forEach((n) => items.push({ name: n, key: state.keys.indexOf(n) + 1 }));
    const rest = everyone.filter(match);
    if (items.length && rest.length) items.push({ sep: true });
    rest.forEach((n) => items.push({ name: n }));
    if (!f || "unknown".includes(f)) items.push({ label: "unknown voice", speaker: null, key: 0 });
    if (s.evidence === "corrected" && (!f || "automatic".includes(f))) items.push({ label: "automatic (drop the correction)", automatic: true });
    const exact = [...chapterNames, ...everyone].some((n) => n.toLowerCase() === f);
    if (f && !exact) items.push({ label: `new character “${filter.trim()}”`, name: filter.trim(), isNew: true });
    this.items = items;
    this.active = items.findIndex((it) => !it.sep);
    const list = $("#picker-list");
    list.replaceChildren(...items.map((it, n) => {
      const li = el("li", it.sep ? "sep" : "");
      if (it.sep) return li;
      li.setAttribute("role", "option");
      const dot = el("span", "dot");
      if (it.name && !it.isNew) paint(dot, it.name);
      else dot.style.setProperty("background", "#999");
      li.append(dot, it.label || it.name);
      if (it.key) li.append(el("span", "k", String(it.key)));
      else if (it.key === 0) li.append(el("span", "k", "0"));
      li.addEventListener("mousedown", (event) => { event.preventDefault(); this.pick(n); });
      return li;
    }));
    this.highlight();
  },
  highlight() {
    const lis = $("#picker-list").children;
    for (let n = 0; n < lis.length; n++) lis[n].classList.toggle("active", n === this.active);
    if (lis[this.active]) lis[this.active].scrollIntoView({ block: "nearest" });
  },
  step(d) {
    let n = this.active;
    do { n += d; } while (this.items[n] && this.items[n].sep);
    if (this.items[n]) { this.active = n; this.highlight(); }
  },
  async pick(n) {
    const it = this.items[n];
    const target = this.target;
    this.close();
    if (!it || it.sep || target === null) return;
    if (it.automatic) await setSpeaker(target, null, true);
    else await setSpeaker(target, it.name === undefined ? it.speaker : it.name);
  },
};

$("#picker-filter").addEventListener("input", (e) => picker.fill(e.target.value));
$("#picker-filter").addEventListener("keydown", (e) => {
  if (e.key === "ArrowDown") { picker.step(1); e.preventDefault(); }
  else if (e.key === "ArrowUp") { picker.step(-1); e.preventDefault(); }
  else if (e.key === "Enter") { picker.pick(picker.active); e.preventDefault(); }
  else if (e.key === "Escape") { picker.close(); e.preventDefault(); }
  e.stopPropagation();
});
$("#picker-filter").addEventListener("blur", () => setTimeout(() => picker.close(), 150));

// ---- hearing ------------------------------------------------------------------------------------------------

const player = {
  run: 0,          // each play gets a number; an older one stops when it sees a newer
  audio: null,
  node: null,
  stop() {
    this.run += 1;
    if (this.audio) this.audio.pause();
    this.audio = null;
    if (this.node) this.node.classList.remove("playing");
    this.node = null;
    delete document.body.dataset.playing;
    status("");
  },
  async segment(i) {
    const s = segment(i);
    if (!s || (s.kind !== "dialogue" && s.kind !== "narration")) return;
    const who = s.kind === "narration" ? "Narrator" : (s.speaker || "unknown voice");
    await this.play(api("api/play", { chapter: state.chapter.number, index: i }), who, nodeOf(i));
  },
  async sample(role, label) {
    await this.play(api("api/sample", { role }), label, null);
  },
  async play(request, who, node) {
    this.stop();
    const run = this.run;
    const asked = performance.now();
    this.node = node;
    if (node) node.classList.add("playing");
    status(`… ${who}`);
    let clips;
    try {
      clips = (await request).clips;
    } catch (e) {
      problem(e.message);
      this.stop();
      return;
    }
    let total = 0;
    let next = clips.length ? this.load(clips[0]) : null;
    for (let n = 0; n < clips.length && run === this.run; n++) {
      const audio = next;
      next = n + 1 < clips.length ? this.load(clips[n + 1]) : null;  // fetched while this one plays
      this.audio = audio;
      try {
        await audio.play();
      } catch (e) {
        if (run === this.run) problem(`cannot play ${who}'s line: ${await whyNot(audio.src, e)}`);
        break;
      }
      // From the click to the first sound: what `bench/review_bench.py` reads.
      if (n === 0) {
        document.body.dataset.startedMs = String(Math.round(performance.now() - asked));
        document.body.dataset.started = String(Number(document.body.dataset.started || 0) + 1);
      }
      await new Promise((done) => { audio.onended = done; audio.onpause = done; audio.onerror = done; });
      if (Number.isFinite(audio.duration)) total += audio.duration;
      document.body.dataset.lastDuration = total.toFixed(3);
      status(`▶ ${who} · ${total.toFixed(1)} s`);
      const pause = n + 1 < clips.length ? clips[n + 1].pause : 0;
      if (pause) await new Promise((done) => setTimeout(done, pause));
    }
    if (run === this.run) {
      document.body.dataset.played = String(Number(document.body.dataset.played || 0) + 1);
      this.stop();
      status(`${who} · ${total.toFixed(1)} s`);
      setTimeout(() => { if (run + 1 === this.run && !this.audio) status(""); }, 2500);
    }
  },
  load(clip) {
    const audio = new Audio(`clip/${clip.key}.wav`);
    audio.preload = "auto";
    audio.addEventListener("playing", () => { if (this.audio === audio) document.body.dataset.playing = "1"; });
    return audio;
  },
};

async function whyNot(url, error) {
  // The audio element only says it failed; the server says why (an engine error, say).
  try {
    const response = await fetch(url);
    if (!response.ok) return (await response.text()).trim();
  } catch (e) { /* the server is gone: the browser's own words below */ }
  return error.message;
}

function status(text) {
  $("#status").textContent = text;
}

let flashTimer = null;
function flash(text) {
  status(text);
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => status(""), 2000);
}

// ---- the keyboard ---------------------------------------------------------------------------------------------

document.addEventListener("keydown", async (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const tag = (e.target.tagName || "").toLowerCase();
  if (tag === "input" || tag === "select" || tag === "textarea") return;
  if (!$("#help").hidden && e.key !== "?") { $("#help").hidden = true; e.preventDefault(); return; }
  if (!state.chapter) return;
  const key = e.key;
  const handled = true;
  if (key === "j" || key === "ArrowDown") move(1);
  else if (key === "k" || key === "ArrowUp") move(-1);
  else if (key === "n") await moveUncertain(1);
  else if (key === "N") await moveUncertain(-1);
  else if (key === " " || key === "p") {
    if (player.audio) player.stop();
    else if (state.selected !== null) player.segment(state.selected);
  } else if ((key === "Enter" || key === "s") && state.selected !== null) picker.open(state.selected);
  else if (/^[1-9]$/.test(key) && state.selected !== null) {
    const name = state.keys[Number(key) - 1];
    if (name) await setSpeaker(state.selected, name);
  } else if (key === "0" && state.selected !== null) await setSpeaker(state.selected, null);
  else if (key === "a" && state.selected !== null) {
    if (segment(state.selected).evidence === "corrected") await setSpeaker(state.selected, null, true);
  } else if (key === "]" || key === "[") {
    const chapters = state.book.chapters;
    const here = chapters.findIndex((c) => c.number === state.chapter.number);
    const to = chapters[here + (key === "]" ? 1 : -1)];
    if (to) await openChapter(to.number);
  } else if (key === "?") $("#help").hidden = !$("#help").hidden;
  else if (key === "Escape") player.stop();
  else return;
  if (handled) e.preventDefault();
});

// A number typed and not yet committed (no Enter, no blur) when the tab closes or reloads is sent anyway.
window.addEventListener("pagehide", () => {
  const input = document.activeElement;
  if (!input || !input.dataset || input.dataset.saved === undefined || input.value === input.dataset.saved) return;
  const key = input.classList.contains("rate") ? "rate" : "pitch";
  const body = JSON.stringify({ role: input.dataset.role, changes: { [key]: Number(input.value) } });
  navigator.sendBeacon("api/voice", new Blob([body], { type: "application/json" }));
});

$("#help-button").addEventListener("click", () => { $("#help").hidden = !$("#help").hidden; });
$("#help-close").addEventListener("click", () => { $("#help").hidden = true; });

// Another tab, or an editor, may have changed the files: look again when this tab comes back.
document.addEventListener("visibilitychange", async () => {
  if (document.visibilityState !== "visible" || !state.book) return;
  const before = state.book.version;
  const now = await api("api/book");
  if (now.version !== before) await reload();
});

// ---- start ------------------------------------------------------------------------------------------------------

(async function start() {
  try {
    // The frame, the voices and the chapter asked for (#3, else the first) all at once.
    const [wanted, quoteId] = decodeURIComponent(location.hash.slice(1)).split("/");
    const [voices, book, chapter] = await Promise.all([
      api("api/voices"), api("api/book"), api(`api/chapter?n=${Number(wanted) || 1}`).catch(() => null)]);
    state.voices = voices;
    showBook(book);
    if (chapter) showOpened(chapter);
    else if (book.chapters.length) await openChapter(book.chapters[0].number);
    const again = quoteId && state.chapter.segments.find((s) => s.id === quoteId);
    if (again) {
      state.selected = again.i;
      markSelected("center");
    }
    document.body.dataset.readyMs = String(Math.round(performance.now()));  // since the page was asked for
    document.body.dataset.ready = "1";
  } catch (e) {
    $("#text").replaceChildren(el("p", "loading", `Cannot load the book: ${e.message}`));
    problem(e.message);
  }
})();
