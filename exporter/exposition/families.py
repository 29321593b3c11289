"""Gauge and counter families that keep plain (label values, value) rows.

prometheus_client's families build a Sample with a label dict for every row,
and its encoders then sort, validate and escape every one of them on each
scrape. Ours keep the rows as tuples and render them with a per-family prefix
(label names sorted and checked once per family shape), which is most of the
cost of a scrape once the host has been read. They are still prometheus_client
Metrics: `samples` builds the library's Samples on demand, so the library's
encoders, the registry and the tests see exactly what GaugeMetricFamily and
CounterMetricFamily would give.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain, compress, repeat
from operator import eq, itemgetter, ne
from typing import Any, TypeVar

from prometheus_client.metrics_core import Metric
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString

Row = tuple[Sequence[str], Any]
_labels = itemgetter(0)  # a row's label values
_value = itemgetter(1)  # a row's value

# The Prometheus data model's (legacy) label-name rule, as prometheus_client applies it;
# names starting with "__" are reserved. Ours, not the library's private validation helper.
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*").fullmatch


class Unrenderable(Exception):
    """A name or label name the fast path does not write; the library's encoder will."""


# (order of the label values when sorted by label name, the `name{label="` pieces, the prefixes
# written for this shape so far by label values: a row that changed place, a top process, a group
# that appeared before others, finds its prefix there; bounded by MAX_PREFIXES, then dropped whole).
Shape = tuple[tuple[int, ...], tuple[str, ...], dict[tuple[str, ...], str]]
MAX_PREFIXES = 256
_shapes: dict[tuple[str, tuple[str, ...]], Shape] = {}
_valid_names: dict[str, bool] = {}


def check_name(name: str) -> None:
    """Raise Unrenderable unless `name` meets the label-name rules (checked once per name).

    Those rules (no colon) are stricter than the metric-name ones, and a name that meets
    them is written unchanged by both formats' escaping."""
    ok = _valid_names.get(name)
    if ok is None:
        ok = _valid_names[name] = _LABEL_NAME(name) is not None and not name.startswith("__")
    if not ok:
        raise Unrenderable(name)


def _shape(sample_name: str, labelnames: tuple[str, ...]) -> Shape:
    """A family shape's label order, pieces and known prefixes (Shape), built once per shape."""
    key = (sample_name, labelnames)
    shape = _shapes.get(key)
    if shape is None:
        for name in (sample_name, *labelnames):
            check_name(name)
        order = tuple(sorted(range(len(labelnames)), key=lambda i: labelnames[i]))
        names = [labelnames[i] for i in order]
        pieces = tuple([f'{sample_name}{{{names[0]}="'] + [f'",{n}="' for n in names[1:]]) if names else ()
        shape = _shapes[key] = (order, pieces, {})
    return shape


def escape_label_value(v: str) -> str:
    if "\\" in v or "\n" in v or '"' in v:
        return v.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")
    return v


def go_value(d: Any) -> str:
    """floatToGoString's text for a sample value, without its float() and isnan() calls
    in the common cases: an int below a million, a finite float (or int) whose repr has a
    dot, written with Go's exponent from a million up as the library writes it."""
    t = type(d)
    if t is int:
        if -1_000_000 < d < 1_000_000:
            return f"{d}.0"
        if -(2**53) <= d <= 2**53:  # exact as a float (the library converts too)
            d = float(d)
            t = float
    if t is float:
        s = repr(d)
        dot = s.find(".")
        if dot > 0:  # finite (inf and nan have no dot), and not in Python's exponent form
            if d > 0 and dot > 6:  # the library's own rewrite: Go switches to exponents sooner
                mantissa = f"{s[0]}.{s[1:dot]}{s[dot + 1:]}".rstrip("0.")
                return f"{mantissa}e+{dot - 1:02d}"
            return s
    return floatToGoString(d)


_int_text = "{}.0".format


def go_values(values: list[Any]) -> list[str]:
    """go_value of each value. A list of floats, or of ints, that Go writes as Python does (finite,
    and below the million from which Go writes a positive float with an exponent) is formatted by
    one map in C: a family of forty rows that moved costs forty reprs, not forty calls."""
    if values:
        kinds = set(map(type, values))
        if len(kinds) == 1:
            kind = kinds.pop()
            if kind is float:
                total = sum(values)  # an inf or a NaN makes the sum inf or NaN (so may an overflow: the long way)
                if total - total == 0.0 and max(values) < 1e6:
                    return list(map(repr, values))
            elif kind is int and -1_000_000 < min(values) and max(values) < 1_000_000:
                return list(map(_int_text, values))
    return list(map(go_value, values))


# The sample lines last rendered for each family (name, type, help, label names), with the
# rows they came from and the encoder's blocks for them:
# a family built again with equal rows (four in five of a scrape's, between two
# scrapes a second apart) is written from here whole. When some rows moved, each row
# whose labels equal those of the row at its place last time reuses that row's
# `name{labels} ` prefix (and its whole line when the value is equal too): a counter
# family that moved costs a value format per row, not a label join. Bounded: names are
# fixed but for textfile's, and the whole table is dropped past the limit.
RenderedKey = tuple[str, str, str, tuple[str, ...]]
_rendered: dict[RenderedKey, Rendered] = {}
MAX_RENDERED = 4096


class Rendered:
    """One family's last rendering (by name, type, help and label names): its rows (a copy), their
    text, each row's prefix and value text, and the whole block per format once the encoder wrote
    it ([text 0.0.4, OpenMetrics]: the header is fixed by the key)."""

    __slots__ = ("rows", "text", "prefixes", "values", "blocks")

    def __init__(self, rows: list[Row], prefixes: list[str], values: list[str]) -> None:
        self.rows, self.prefixes, self.values = rows, prefixes, values
        self.text = "".join(chain.from_iterable(zip(prefixes, values, repeat("\n"))))
        self.blocks: list[str | None] = [None, None]


class Family(Metric):
    """Rows of one gauge or counter family. Construct as GaugeFamily or CounterFamily."""

    TYPE = "untyped"
    SUFFIX = ""
    # A family that its producer hands out again while its input is unchanged (the cgroup
    # series of a quiet host, scalars.py's families) keeps its rendered text on itself:
    # set `reused = True` on it. The encoder (exposition/encoding.py) then keeps its whole
    # block (HELP, TYPE, rows) per format in `blocks`, [text 0.0.4, OpenMetrics], so serving
    # it again costs no lookup. Any other family is looked up in the rendered-family cache.
    reused = False
    blocks: list[str | None] | None = None

    def __init__(
        self, name: str, documentation: str, value: Any = None, labels: Sequence[str] | None = None
    ) -> None:
        # Metric.__init__ is not called: `samples` is computed here, not stored.
        if self.SUFFIX and name.endswith(self.SUFFIX):
            name = name[: -len(self.SUFFIX)]
        self.name = name
        self.documentation = documentation
        self.unit = ""
        self.type = self.TYPE
        self.labelnames = tuple(labels or ())
        self.rows: list[Row] = []
        if value is not None:
            if self.labelnames:
                raise ValueError("can only specify one of labels and value")
            self.rows.append(((), value))

    # How many times a family's rows were added to after its block was kept (a reused family
    # changed, which its producer should not do): the encoder's segment cache trusts the families
    # it kept by their identity alone only while this count stands still.
    edited_after_keeping = 0

    def add_metric(self, labels: Sequence[str], value: Any) -> None:
        self.rows.append((labels, value))
        if self.blocks is not None:
            self.blocks = None
            Family.edited_after_keeping += 1

    def keep_block(self, openmetrics: bool, text: str) -> None:
        if self.blocks is None:
            self.blocks = [None, None]
        self.blocks[openmetrics] = text

    @property
    def samples(self) -> list[Sample]:  # type: ignore[override]
        name = self.name + self.SUFFIX
        labelnames = self.labelnames
        # zip as the library's add_metric does (not strict), so both see the same samples.
        return [Sample(name, dict(zip(labelnames, values, strict=False)), value, None) for values, value in self.rows]

    def render_rows(self, out: list[str]) -> None:
        """Append this family's sample lines, as both text formats write them."""
        out.append(self.rendered().text)

    def rendered(self) -> Rendered:
        """This family's rendering: the last one when its rows are equal to those rendered then."""
        key = (self.name, self.type, self.documentation, self.labelnames)
        last = _rendered.get(key)
        if last is not None and last.rows == self.rows:
            return last
        return self.render_after(key, last)

    def render_after(self, key: RenderedKey, last: Rendered | None) -> Rendered:
        """A new rendering of this family, kept under `key` (its name, type, help and label names),
        reusing what it can of `last`, the one kept there (its rows differ)."""
        rows = self.rows
        prefixes, values = self._render(last)
        if len(_rendered) >= MAX_RENDERED:
            _rendered.clear()
        new = _rendered[key] = Rendered(rows.copy(), prefixes, values)  # a copy: rows may grow
        return new

    def _prefix(self, values: Sequence[str], order: tuple[int, ...], pieces: tuple[str, ...]) -> str:
        """`name{a="x",b="y"} ` for one row's label values (label names in sorted order)."""
        if not order:
            return f"{self.name}{self.SUFFIX} "
        parts = []
        for piece, i in zip(pieces, order, strict=False):
            parts.append(piece)
            parts.append(escape_label_value(values[i]))
        parts.append('"} ')
        return "".join(parts)

    def _render(self, last: Rendered | None) -> tuple[list[str], list[str]]:
        """(each row's prefix, each row's value text), reusing `last`'s prefix where a row's labels
        equal those of the row at the same place then, and its value text where the value is equal
        too (a few of a group family's forty rows move between two scrapes)."""
        rows = self.rows
        values = list(map(_value, rows))
        if (last is not None and len(last.rows) == len(rows)
                and all(map(eq, map(_labels, rows), map(_labels, last.rows)))):
            # The same label sets in the same order (a family that moved): the same prefixes.
            moved = list(compress(range(len(rows)), map(ne, values, map(_value, last.rows))))
            if 2 * len(moved) > len(rows):
                return last.prefixes, go_values(values)
            texts = last.values.copy()
            for i in moved:
                texts[i] = go_value(values[i])
            return last.prefixes, texts
        order, pieces, known = _shape(self.name + self.SUFFIX, self.labelnames)
        old_rows = last.rows if last is not None else []
        old_prefixes = last.prefixes if last is not None else []
        prefixes = []
        for i, (labels, _) in enumerate(rows):
            if i < len(old_rows) and old_rows[i][0] == labels:
                prefixes.append(old_prefixes[i])
                continue
            key = labels if type(labels) is tuple else tuple(labels)
            prefix = known.get(key)
            if prefix is None:
                if len(known) >= MAX_PREFIXES:
                    known.clear()
                prefix = known[key] = self._prefix(labels, order, pieces)
            prefixes.append(prefix)
        return prefixes, go_values(values)


F = TypeVar("F", bound=Family)


class KeptFamilies:
    """Families of many rows handed out again while their rows equal last time's (one producer's).

    A family whose name, type, help, label names and rows equal those of the one kept under its
    name is that very object, marked `reused`, so the encoder serves the block kept on it (and a
    segment of such families its whole text, encoding._segment); any difference gives a new
    family. What is served is therefore always this call's rows, under the equality the
    rendered-family caches already rely on (equal values render the same; 0.0 and -0.0, which
    no counter or gauge of ours holds, would not). The caller hands `rows` over and must not
    change them, nor add rows to what it gets back. Bounded: names are fixed."""

    def __init__(self) -> None:
        self._kept: dict[str, Family] = {}
        self._columns: dict[str, tuple[list[Any], Sequence[Any], Family]] = {}
        self._labels: dict[str, list[Any]] = {}

    def labels(self, area: str, labels: list[Any]) -> list[Any]:
        """`labels` (one label-value tuple per row), or the equal list handed in last time for this
        area: the families built on it then compare it by identity (column_family)."""
        last = self._labels.get(area)
        if last is not None and last == labels:
            return last
        if len(self._labels) >= MAX_RENDERED:
            self._labels.clear()
        self._labels[area] = labels
        return labels

    def column_family(self, cls: type[F], name: str, documentation: str, labelnames: tuple[str, ...],
                      labels: list[Any], values: Sequence[Any]) -> F:
        """`family` with rows zip(labels, values), not built unless needed: the kept family while
        `labels` is the very list it was built on (from `labels()`) and `values` equal its values.
        Neither may be changed after."""
        kept = self._columns.get(name)
        if kept is not None and kept[0] is labels and kept[1] == values:
            fam = kept[2]
            if type(fam) is cls and fam.documentation == documentation and fam.labelnames == labelnames:
                return fam  # type: ignore[return-value]  # type(fam) is cls
        new = cls(name, documentation, labels=labelnames)
        new.rows = list(zip(labels, values, strict=True))
        new.reused = True
        if len(self._columns) >= MAX_RENDERED:
            self._columns.clear()
        self._columns[name] = (labels, values, new)
        return new

    def family(self, cls: type[F], name: str, documentation: str, labelnames: tuple[str, ...],
               rows: list[Row]) -> F:
        fam = self._kept.get(name)
        if (fam is not None and fam.rows == rows and type(fam) is cls and fam.labelnames == labelnames
                and fam.documentation == documentation):
            return fam  # type: ignore[return-value]  # type(fam) is cls
        new = cls(name, documentation, labels=labelnames)
        new.rows = rows
        new.reused = True
        if len(self._kept) >= MAX_RENDERED:
            self._kept.clear()
        self._kept[name] = new
        return new


class GaugeFamily(Family):
    TYPE = "gauge"


class UntypedFamily(Family):
    """node_exporter's untyped families (vmstat fields); the text format writes `untyped`."""

    TYPE = "unknown"


class CounterFamily(Family):
    TYPE = "counter"
    SUFFIX = "_total"


class InfoFamily(Family):
    """An info family (`name_info{labels} 1.0`), as InfoMetricFamily writes it in both formats."""

    TYPE = "info"
    SUFFIX = "_info"
