"""Stage 3b: list[Segment] -> list[Segment] with speakers. Pure text, no I/O.

The package follows the sieve design of Muzny et al. (2017): precise rules first, each filling only
what the earlier ones left, and the evidence label of a quote names the rule that decided it.

  names.py         the vocabulary of names: titles, name patterns, words that are never names
  characters.py    who is in the book: names and descriptions found, genders
  clusters.py      name forms clustered into characters (Darcy / Mr. Darcy), family members apart
  mentions.py      the person a speech tag, an action beat or a vocative names
  conversation.py  turns, who takes part in a conversation, whose turn it is
  anaphora.py      who a pronoun or a description means, with the scene in view
  descriptions.py  characters named by a description: the Duchess, my father, Scrooge's nephew
  narrator.py      a first-person narrator's name, chapter by chapter
  stories.py       letters read by their signers, stories told in quotes by their tellers
  speakers.py      the sieves in order, for one chapter; the whole book's attribution
  confidence.py    the probability that a speaker is right; the threshold of the unknown voice
"""

from __future__ import annotations

from .characters import Character, Characters, discover
from .names import FIRST_PERSON
from .speakers import Decision, attribute_book

__all__ = ["FIRST_PERSON", "Character", "Characters", "Decision", "attribute_book", "discover"]
