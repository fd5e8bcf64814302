"""Character folding shared by the tokenizer, the stopword lists and the compound lexicon.

German umlauts are expanded the DIN 5007-2 way (ä→ae, ö→oe, ü→ue, ß→ss), so the two spellings
people actually type meet: "Größe" and "Groesse" both fold to "groesse", "Maßnahme" and
"Massnahme" to "massnahme". The Snowball German stemmer then maps ae/oe/ue to plain vowels, so
"Grösse" and "Grosse" meet them after stemming as well. Other diacritics are removed
("Café" → "cafe").
"""

from __future__ import annotations

import unicodedata

_EXPAND = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})


def fold(word: str) -> str:
    """Lowercase ``word`` and fold umlauts, ß and other diacritics (see module docstring)."""
    w = word.lower().translate(_EXPAND)
    if w.isascii():
        return w
    decomposed = unicodedata.normalize("NFKD", w)
    return "".join(c for c in decomposed if not unicodedata.combining(c))
