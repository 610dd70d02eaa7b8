"""Find the documents a paragraph refers to and give them canonical UN symbols.

"resolutions 20/8 of 5 July 2012" after "Human Rights Council" is A/HRC/RES/20/8; "its resolutions
36/103" and "General Assembly resolution 58/199" are A/RES/...; report symbols (A/70/174) are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = ("January February March April May June July August September October November December").split()
DATE = r"\d{1,2} (?:" + "|".join(MONTHS) + r") \d{4}"
SYMBOL = re.compile(r"\bA/(?:[A-Z][A-Za-z.0-9]*|\d+)(?:/[A-Za-z0-9.]+)+")
RESOLUTION_NUMBER = re.compile(
    r"(?<![/\w])(\d{1,3})/(\d{1,4})(?: ([A-H])\b)?(?![/\w])(?: of (" + DATE + r"))?"
)
ROMAN_RESOLUTION = re.compile(r"\b(\d{3,4}) \(([IVXL]+)\)(?: of (" + DATE + r"))?")
HRC = re.compile(r"Human Rights Council", re.I)
GA = re.compile(r"General Assembly|\bits resolutions?\b", re.I)
RESOLUTION_WORD = re.compile(r"\bresolutions?\b", re.I)
ADOPTED_ON = re.compile(r"^[^;:]{0,200}?adopted by the General Assembly on (" + DATE + ")")
ABOUT = re.compile(r"^,?\s*(?:on|entitled|concerning)\s+(.+?)(?=,\s*(?:and|adopted|as well|to|taking)\b|[,;.:]\s*$|;|$)")


@dataclass(frozen=True)
class Reference:
    symbol: str
    date: str | None = None  # as printed: "23 December 2003"
    about: str | None = None  # "the creation of a global culture of cybersecurity ..."


def resolution_symbol(number: str, organ: str = "GA") -> str:
    """Canonical symbol of a resolution number: `resolution_symbol("20/8", "HRC") == "A/HRC/RES/20/8"`."""
    number = number.replace(" ", "")
    return f"A/HRC/RES/{number}" if organ == "HRC" else f"A/RES/{number}"


def to_iso(date: str | None) -> str | None:
    if not date:
        return None
    day, month, year = date.split()
    return f"{year}-{MONTHS.index(month) + 1:02d}-{int(day):02d}"


def find_references(text: str) -> list[Reference]:
    """Every document the text names, in order, once each.

    >>> [r.symbol for r in find_references("Human Rights Council resolutions 20/8 of 5 July 2012 and "
    ...     "26/13 of 26 June 2014 ..., as well as General Assembly resolutions 68/167 and 69/166")]
    ['A/HRC/RES/20/8', 'A/HRC/RES/26/13', 'A/RES/68/167', 'A/RES/69/166']
    """
    found: dict[str, tuple[int, Reference]] = {}
    spans: list[tuple[int, int]] = []
    for match in SYMBOL.finditer(text):
        symbol = match.group(0).rstrip(".")
        found.setdefault(symbol, (match.start(), Reference(symbol)))
        spans.append(match.span())

    numbered: list[tuple[re.Match, str]] = []
    for match in RESOLUTION_NUMBER.finditer(text):
        if any(a <= match.start() < b for a, b in spans):
            continue
        before = text[: match.start()]
        # A bare "12/2005"-like number is only a resolution if "resolution(s)" governs it.
        if not RESOLUTION_WORD.search(before):
            continue
        number = match.group(1) + "/" + match.group(2) + (match.group(3) or "")
        hrc = [m.end() for m in HRC.finditer(before)]
        ga = [m.end() for m in GA.finditer(before)]
        organ = "HRC" if hrc and (not ga or hrc[-1] > ga[-1]) else "GA"
        symbol = resolution_symbol(number, organ)
        after = text[match.end():]
        adopted = ADOPTED_ON.match(after)
        date = match.group(4) or (adopted.group(1) if adopted else None)
        found.setdefault(symbol, (match.start(), Reference(symbol, date, _clean_about(ABOUT.match(after)))))
        numbered.append((match, symbol))

    # "resolutions 20/8 of ... and 26/13 of ... on the promotion ...": the subject after the last
    # number of a list belongs to every number in it.
    for (match, symbol), (next_match, next_symbol) in reversed(list(zip(numbered, numbered[1:]))):
        pos, ref = found[symbol]
        between = text[match.end():next_match.start()].strip()
        if ref.about is None and between in {"and", ","}:
            found[symbol] = (pos, Reference(ref.symbol, ref.date, found[next_symbol][1].about))

    for match in ROMAN_RESOLUTION.finditer(text):
        symbol = f"A/RES/{match.group(1)}({match.group(2)})"
        found.setdefault(symbol, (match.start(), Reference(symbol, match.group(3))))

    return [ref for _, ref in sorted(found.values(), key=lambda item: item[0])]


def _clean_about(match: re.Match | None) -> str | None:
    if not match:
        return None
    about = match.group(1).strip().strip("“”\"")
    return about if len(about.split()) >= 2 else None
