"""Finding an erased person's names, contact details and identifiers inside other text, and taking them out.

Each term matches as a whole word, in any case ("Sam" is found in "Sam's", never in "Samuel"); a phone number
matches however its digits are spaced. Matches become "[erased]", cut to the field's length.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from privacy.registry import ERASED, MENTION

_PHONE = re.compile(r"^[\d\s()+\-]+$")
_IGNORED = {ERASED.lower(), MENTION.lower()}


def _is_phone(term: str) -> bool:
    return bool(_PHONE.match(term)) and sum(ch.isdigit() for ch in term) >= 7


def _pattern(term: str) -> str:
    if _is_phone(term):
        digits = re.sub(r"\D", "", term)
        return r"(?<!\d)" + r"[\s()\-]*".join(digits) + r"(?!\d)"
    words = [re.escape(word) for word in term.split()]
    return r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"


def _needle(term: str) -> str:
    """Text that every match contains, for a quick first search in the database (case-insensitive)."""
    if _is_phone(term):
        return re.sub(r"\D", "", term)[-4:]
    return max(term.split(), key=len)


TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "lady", "rev"}


def name_terms(name: str) -> list[str]:
    """A name, and each word of it on its own ("Mary Ann Smith" is also "Mary", "Ann" and "Smith")."""
    name = " ".join(str(name or "").split())
    words = [w for w in name.replace("-", " ").split() if len(w) >= 2 and w.lower().strip(".") not in TITLES]
    return [name, *words] if name else []


def address_terms(address: str) -> list[str]:
    """The first part of an address (house and street): the towns and counties after it identify nobody."""
    first = re.split(r"[,\n]", address.strip(), maxsplit=1)[0].strip()
    return [first] if first else []


class Mentions:
    def __init__(self, values: Iterable[str]) -> None:
        terms = set()
        for value in values:
            term = " ".join(str(value or "").split())
            if len(term) >= 2 and term.lower() not in _IGNORED:
                terms.add(term)
        self.terms = sorted(terms, key=lambda t: (-len(t), t.lower()))
        self.regex = re.compile("|".join(_pattern(term) for term in self.terms), re.IGNORECASE) if self.terms else None
        self.needles = sorted({_needle(term) for term in self.terms})

    def __bool__(self) -> bool:
        return self.regex is not None

    def __or__(self, other: Mentions) -> Mentions:
        return Mentions([*self.terms, *other.terms])

    def found_in(self, text: str | None) -> bool:
        return bool(self.regex and text and self.regex.search(text))

    def sub(self, text: str, max_length: int | None = None, replacement: str = MENTION) -> str:
        if not self.regex or not text:
            return text
        new = self.regex.sub(replacement, text)
        return new[:max_length] if max_length else new


__all__ = ["Mentions", "address_terms", "name_terms"]
