"""Stage 3b: list[Segment] -> list[Segment] with speakers. Pure text, no I/O.

The package follows the sieve design of Muzny et al. (2017): precise rules first, each filling only
what the earlier ones left, and the evidence label of a quote names the rule that decided it.

  names.py         the vocabulary of names: titles, name patterns, words that are never names
  characters.py    who is in the book: name forms clustered into characters, genders
  mentions.py      the person a speech tag, an action beat or a vocative names
  conversation.py  who takes part in a conversation, whose turn it is, who a pronoun means
  narrator.py      a first-person narrator's name
  speakers.py      the sieves in order, for one chapter; the whole book's attribution
  confidence.py    the probability that a speaker is right; the threshold of the unknown voice
"""

from __future__ import annotations

from .characters import Character, Characters, discover
from .names import FIRST_PERSON
from .speakers import Decision, attribute_book

__all__ = ["FIRST_PERSON", "Character", "Characters", "Decision", "attribute_book", "discover"]
