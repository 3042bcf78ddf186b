"""Character tables of the normaliser: what look-alike, leet and invisible characters fold to.

Data, kept apart from the folding code in :mod:`nlp_ip.text.normalize` (as spaCy keeps its
character classes in ``char_classes.py``). Keys are single characters unless noted.
"""

from __future__ import annotations

#: Characters removed outright: zero-width and other invisible format characters,
#: soft hyphen, variation selectors, combining grapheme joiner, Hangul fillers.
INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u200b\u200c\u200d"
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067"
    "\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f\u3164\ufe00\ufe01\ufe02\ufe03\ufe04"
    "\ufe05\ufe06\ufe07\ufe08\ufe09\ufe0a\ufe0b\ufe0c\ufe0d\ufe0e\ufe0f\ufeff\uffa0"
)

#: Letters that NFKC and accent stripping leave alone but that read as Latin letters.
EXTRA_LATIN = {
    "ø": "o",
    "Ø": "o",
    "ł": "l",
    "Ł": "l",
    "đ": "d",
    "Đ": "d",
    "ħ": "h",
    "Ħ": "h",
    "ı": "i",
    "ŀ": "l",
    "ſ": "s",
    "ƒ": "f",
    "ɡ": "g",
    "ɑ": "a",
    "ɩ": "i",
    "ʋ": "u",
    "ɪ": "i",
    "ʟ": "l",
    "ɴ": "n",
    "ʀ": "r",
    "ʏ": "y",
    "ʜ": "h",
    "ɢ": "g",
    "ʙ": "b",
    "ᴀ": "a",
    "ᴄ": "c",
    "ᴅ": "d",
    "ᴇ": "e",
    "ꜰ": "f",
    "ᴊ": "j",
    "ᴋ": "k",
    "ᴍ": "m",
    "ᴏ": "o",
    "ᴘ": "p",
    "ꜱ": "s",
    "ᴛ": "t",
    "ᴜ": "u",
    "ᴠ": "v",
    "ᴡ": "w",
    "ᴢ": "z",
    "ǝ": "e",
    "ɐ": "a",
    "ɔ": "c",
    "ɹ": "r",
    "ʇ": "t",
    "ʌ": "v",
    "ʍ": "w",
    "ʎ": "y",
    "æ": "ae",
    "Æ": "ae",
    "œ": "oe",
    "Œ": "oe",
    "ß": "ss",
    "ẞ": "ss",
    "þ": "th",
    "ð": "d",
    "ĸ": "k",
    "ŋ": "n",
}

#: Trademark signs stay what they are (NFKC would turn "Gucci™" into "guccitm").
KEEP = frozenset("™℠®©℗")

#: Cyrillic, Greek and Armenian letters that look like a Latin letter (lower case;
#: text is case-folded first). Only used where a word mixes scripts, and in the
#: skeleton everywhere.
CONFUSABLES = {
    # Cyrillic
    "а": "a",
    "в": "b",
    "е": "e",
    "ё": "e",
    "ѐ": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "п": "n",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "ь": "b",
    "ѕ": "s",
    "і": "i",
    "ї": "i",
    "ј": "j",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "һ": "h",
    "ӏ": "l",
    "ү": "y",
    "ғ": "f",
    "ҝ": "k",
    "ҫ": "c",
    "ɡ": "g",
    "ӧ": "o",
    "ӱ": "y",
    "ԍ": "g",
    "ԃ": "d",
    "ᴦ": "r",
    "г": "r",
    # Greek
    "α": "a",
    "β": "b",
    "γ": "y",
    "δ": "d",
    "ε": "e",
    "ζ": "z",
    "η": "n",
    "ι": "i",
    "κ": "k",
    "μ": "u",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "σ": "o",
    "ς": "s",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "ω": "w",
    "ϲ": "c",
    "ϳ": "j",
    "ϝ": "f",
    "ɛ": "e",
    "ϵ": "e",
    # Armenian
    "օ": "o",
    "ս": "u",
    "հ": "h",
    "ո": "n",
    "ց": "g",
    "զ": "q",
    "ա": "w",
}

#: Upper-case look-alikes whose lower case reads differently (Greek "Μ" vs "μ").
UPPER_CONFUSABLES = {
    "Α": "a",
    "Β": "b",
    "Ε": "e",
    "Ζ": "z",
    "Η": "h",
    "Ι": "i",
    "Κ": "k",
    "Μ": "m",
    "Ν": "n",
    "Ο": "o",
    "Ρ": "p",
    "Τ": "t",
    "Υ": "y",
    "Χ": "x",
    "А": "a",
    "В": "b",
    "Е": "e",
    "К": "k",
    "М": "m",
    "Н": "h",
    "О": "o",
    "Р": "p",
    "С": "c",
    "Т": "t",
    "У": "y",
    "Х": "x",
    "Ѕ": "s",
    "І": "i",
    "Ј": "j",
}

#: Letters written with several characters; folded into ``text`` itself.
MULTI_LEET = {"|<": "k", "|{": "k", "|-|": "h", "|3": "b", "|)": "d", "\\/": "v", "|\\|": "n"}

#: Leet digits (used only inside words that also hold letters).
LEET_DIGITS = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g"}

#: Leet symbols (used only where the context makes them letters: ``_SYMBOL_RE`` in
#: :mod:`nlp_ip.text.normalize`).
LEET_SYMBOLS = {
    "@": "a",
    "$": "s",
    "!": "i",
    "|": "i",
    "€": "e",
    "£": "i",
    "¢": "c",
    "©": "c",
    "®": "r",
    "¡": "i",
    "§": "s",
    "ø": "o",
    "+": "t",
}

#: Code point ranges whose letters lose their accents ("é" -> "e").
SCRIPT_RANGES_STRIP = (
    (0x0000, 0x052F),  # Latin, IPA, Greek, Cyrillic
    (0x1D00, 0x1FFF),  # phonetic extensions, Latin extended additional, Greek extended
)
