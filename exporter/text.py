"""Text from arbitrary bytes: what a label value or a JSON string may hold.

File names, process names and command lines are byte strings; Prometheus label values
and JSON strings must be valid UTF-8. We do what node_exporter does
(``strings.ToValidUTF8(s, "\\uFFFD")`` in its filesystem, hwmon, dmi and netclass
collectors): every *run* of invalid bytes becomes one U+FFFD, valid text is kept as is.
Python hands us undecodable bytes of file names as lone surrogates (surrogateescape,
one per byte), so a run of surrogates is exactly a run of invalid bytes.
"""

from __future__ import annotations

import re

_SURROGATES = re.compile("[\ud800-\udfff]+")
REPLACEMENT = "\ufffd"


def valid_text(s: str) -> str:
    """`s` with each run of lone surrogates (undecodable bytes) replaced by one U+FFFD."""
    if s.isascii():  # the common case, and the fast one
        return s
    return _SURROGATES.sub(REPLACEMENT, s)


def decode_bytes(b: bytes) -> str:
    """Bytes as text the way node_exporter's ToValidUTF8 does (one U+FFFD per invalid run)."""
    return valid_text(b.decode("utf-8", "surrogateescape"))
