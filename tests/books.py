"""Plain-text books as people download them, written in the test so every case is visible."""

from __future__ import annotations

from epubs import LICENCE, words

HEADER = """The Project Gutenberg eBook of The Harbour, by Nell Price

This ebook is for the use of anyone anywhere in the United States and
most other parts of the world at no cost and with almost no restrictions
whatsoever. You may copy it, give it away or re-use it under the terms
of the Project Gutenberg License included with this ebook or online
at www.gutenberg.org.

Title: The Harbour
       A Story of the Sea

Author: Nell Price

Release date: January 1, 2020 [eBook #99999]

Language: English


*** START OF THE PROJECT GUTENBERG EBOOK THE HARBOUR ***




Produced by A. Volunteer and the Online Distributed
Proofreading Team at https://www.pgdp.net




THE HARBOUR

A Story of the Sea

By Nell Price




CONTENTS

PART ONE

CHAPTER I. The Boats

CHAPTER II. The Storm

PART TWO

CHAPTER III. The Return




"""

BODY = f"""PART ONE




CHAPTER I.

THE BOATS

[Illustration: The boats at dawn]

{words(40, "boat")} The nets were _wet_ and *heavy*[1] that morning.

"We sail at noon," said Ann.

[1] Nets were made of hemp then.




CHAPTER II.

THE STORM

{words(50, "storm")}

[Illustration: The storm
breaks over the harbour]

{words(30, "wave")}




PART TWO




CHAPTER III.

THE RETURN

{words(45, "sail")}

THE END




Transcriber's Notes:

Punctuation has been standardised.

Obvious printer errors have been corrected.




"""

FOOTER = f"""*** END OF THE PROJECT GUTENBERG EBOOK THE HARBOUR ***

Updated editions will replace the previous one--the old editions will
be renamed.

START: FULL LICENSE

THE FULL PROJECT GUTENBERG LICENSE

{LICENCE}
"""

GUTENBERG_TEXT = HEADER + BODY + FOOTER
