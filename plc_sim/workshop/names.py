"""When two participants' names would be taken for one another in a room.

Two (cleaned, NFKC-normalized) names are the same in a room when they are equal after case folding, or when
their *skeletons* are: the skeleton maps letters that look like Latin ones (Cyrillic "А", Greek "Ο", the
digit "0", a capital "I" beside a small "l") to one Latin letter, then folds case. So "Аnn" typed with a
Cyrillic А is refused beside "Ann", as "ANN" is. The map is small on purpose (Latin, Cyrillic and Greek
letters drawn alike in common fonts, after Unicode's confusables list, UTS #39); names in other scripts are
compared by case folding only.
"""

from __future__ import annotations

_LOOKALIKES = {
    # Cyrillic capitals and small letters drawn like Latin ones
    "А": "A", "В": "B", "Е": "E", "Ё": "Ë", "З": "3", "І": "l", "Ї": "Ï", "Ј": "J", "К": "K", "М": "M", "Н": "H",
    "О": "O", "Р": "P", "С": "C", "Ѕ": "S", "Т": "T", "У": "Y", "Х": "X", "Ү": "Y", "Ԛ": "Q", "Ԝ": "W",
    "а": "a", "в": "b", "е": "e", "ё": "ë", "і": "i", "ї": "ï", "ј": "j", "к": "k", "м": "m", "о": "o",
    "р": "p", "с": "c", "ѕ": "s", "у": "y", "х": "x", "ү": "y", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h",
    "ӏ": "l", "Ӏ": "l",
    # Greek capitals and small letters drawn like Latin ones
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "l", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "ν": "v", "ι": "i", "κ": "k", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "α": "a",
    # Latin letters and digits read as one another (a capital I is drawn as a small l in many fonts, so every
    # I-like letter above maps to "l" too: the table is applied once, not repeatedly)
    "I": "l", "1": "l", "|": "l", "0": "O", "ı": "i", "ɡ": "g",
}
_TABLE = str.maketrans(_LOOKALIKES)


def skeleton(name: str) -> str:
    """What ``name`` looks like: look-alike letters mapped to one Latin letter, then case folded."""
    return name.translate(_TABLE).casefold()


def same_name(a: str, b: str) -> bool:
    """Whether two cleaned names would be taken for one another in a room (same letters in any case, or
    look-alikes)."""
    return a.casefold() == b.casefold() or skeleton(a) == skeleton(b)


_FIRST = ("Ada", "Ben", "Carla", "Dev", "Elif", "Femi", "Greta", "Hugo", "Ines", "Jon", "Kira", "Luis", "Mona",
          "Nils", "Olu", "Paula", "Quinn", "Rosa", "Sami", "Tess", "Umar", "Vera", "Wes", "Xia", "Yara", "Zeno",
          "Amal", "Bruno", "Chloe", "Dara", "Emil", "Farah", "Gil", "Hana", "Ivo", "Jana", "Kofi", "Lena", "Milo",
          "Nora", "Omar", "Pia", "Rafa", "Sofia", "Theo", "Uma", "Vic", "Wren", "Yusuf", "Zoe")
_LAST = ("Adler", "Baker", "Costa", "Diaz", "Evans", "Fischer", "Garcia", "Hill", "Ito", "Jensen", "Khan", "Lopez",
         "Moreau", "Novak", "Okafor", "Patel", "Quist", "Rossi", "Silva", "Tanaka", "Umeh", "Varga", "Weber", "Young",
         "Zhou", "Berg", "Cruz", "Dubois", "Eze", "Ferri")
"""Made-up first and family names for the model's teachers: 50 x 30 = 1,500 distinct names."""


def teacher_name(person: int) -> str:
    """A made-up name for the model's teacher ``person`` (an id), the same on every page and every year.

    Names repeat only every 1,500 ids, far more people than one school ever holds at once, so the teachers a
    form lists always have different names (a test keeps a school's list distinct)."""
    return f"{_FIRST[person % len(_FIRST)]} {_LAST[(person // len(_FIRST)) % len(_LAST)]}"
