"""Single-value families handed out again while their value is the same.

netstat, vmstat, sockstat, conntrack, stat, pressure, filefd and entropy export some
120 families of one sample each, and on a quiet host most of those values (error
counters, drop counts, table sizes) do not move between scrapes. Every value is still
read and parsed at every collection; what this saves is building the family again and
rendering its line: a family whose name, help, type and value equal last collection's is
the very same object, marked `reused`, so the exposition serves its rendered line
(exporter/exposition/families.py). A value that moved gets a new family, so what is
served is always this collection's value. `text_family` is the same for a value still in
its text: the same text as last collection is the same value, so neither the conversion nor
the comparison is done again (netstat's 40 counters, vmstat's).
"""

from __future__ import annotations

from math import copysign
from typing import TypeVar

from exporter.exposition.families import Family

F = TypeVar("F", bound=Family)

_MAX = 4096  # names are the kernel's fixed field names; a bound against a leak only


class Scalars:
    """One collector's single-value families by name."""

    def __init__(self) -> None:
        self._kept: dict[str, Family] = {}
        self._texts: dict[str, tuple[str, Family]] = {}  # name → (the text its family was made from, family)

    def text_family(self, cls: type[F], name: str, documentation: str, text: str) -> F:
        """`family(cls, name, documentation, float(text))`, answered without either when `text` is the
        text the kept family was made from."""
        kept = self._texts.get(name)
        if kept is not None and kept[0] == text:
            fam = kept[1]
            if type(fam) is cls and fam.documentation == documentation:
                return fam  # type: ignore[return-value]  # type(fam) is cls
        new = self.family(cls, name, documentation, float(text))
        if len(self._texts) >= _MAX:
            self._texts.clear()
        self._texts[name] = (text, new)
        return new

    def family(self, cls: type[F], name: str, documentation: str, value: float) -> F:
        fam = self._kept.get(name)
        if fam is not None:
            old = fam.rows[0][1]
            # Equal and rendered the same: 0.0 and -0.0 are equal but render apart; NaN never equals.
            if (old == value and (value or copysign(1.0, old) == copysign(1.0, value))
                    and fam.documentation == documentation and type(fam) is cls):
                return fam  # type: ignore[return-value]  # type(fam) is cls
        new = cls(name, documentation, value)
        new.reused = True
        if len(self._kept) >= _MAX:
            self._kept.clear()
        self._kept[name] = new
        return new
