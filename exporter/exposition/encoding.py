"""Prometheus text (0.0.4) and OpenMetrics (1.0.0) encoders, byte-identical to
prometheus_client's for the metrics we export, and several times faster.

prometheus_client validates and escapes every name and label of every sample on
each scrape; ours are a handful of fixed names, so names are checked once and
remembered, and a label value is escaped only when it holds a character that
needs it. Anything outside that (another escaping scheme or format version,
exemplars, native histograms, OpenMetrics-only samples, names that need
escaping) is handed to prometheus_client's own encoder, so the output never
differs from the library's. A registry that hands out its families by segment
(the exposition's) is written segment by segment, each segment's text kept between
scrapes while its families are the same (see _segment).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from itertools import compress
from operator import and_, is_, not_

from prometheus_client.metrics_core import Metric
from prometheus_client.openmetrics import exposition as openmetrics
from prometheus_client.openmetrics.exposition import CONTENT_TYPE_LATEST as OPENMETRICS_1_0_0
from prometheus_client.openmetrics.exposition import generate_latest as library_openmetrics
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString, parse_version

from exporter.exposition.families import (
    MAX_RENDERED,
    Family,
    Rendered,
    Unrenderable,
    _rendered,
    check_name,
    escape_label_value,
    go_value,
)

Encoder = Callable[[Collector], bytes]

# prometheus_client.exposition's; that module is imported only when its text encoder is needed, since it
# also loads the library's HTTP servers and clients (http.server, urllib.request, ssl: 11 MiB of RSS).
CONTENT_TYPE_PLAIN_0_0_4 = "text/plain; version=0.0.4; charset=utf-8"

_TEXT_TYPES = {"counter": "counter", "gauge": "gauge", "info": "gauge", "stateset": "gauge",
               "unknown": "untyped", "summary": "summary", "histogram": "histogram",
               "gaugehistogram": "histogram"}
_TEXT_SUFFIXES = {"counter": "_total", "info": "_info"}
_OM_ONLY_SUFFIXES = ("_created", "_gsum", "_gcount")


_Unusual = Unrenderable  # a metric this encoder does not write: the library's encoder writes the whole set


def _label_string(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    parts = []
    for k, v in sorted(labels.items()):
        check_name(k)
        parts.append(f'{k}="{escape_label_value(v)}"')
    return "{" + ",".join(parts) + "}"


def _plain_samples(samples: Iterable[Sample], out: list[str], timestamp_ms: bool) -> None:
    for s in samples:
        if s.exemplar is not None or s.native_histogram is not None or s.value is None:
            raise _Unusual(s.name)
        check_name(s.name)
        ts = ""
        if s.timestamp is not None:
            ts = f" {int(float(s.timestamp) * 1000):d}" if timestamp_ms else f" {s.timestamp}"
        out.append(f"{s.name}{_label_string(s.labels)} {floatToGoString(s.value)}{ts}\n")


_headers: dict[tuple[str, str, str, bool], str] = {}


def _header(name: str, documentation: str, mtype: str, openmetrics: bool) -> str:
    """The HELP and TYPE lines, built once per family."""
    key = (name, documentation, mtype, openmetrics)
    header = _headers.get(key)
    if header is None:
        check_name(name)
        doc = documentation.replace("\\", r"\\").replace("\n", r"\n")
        if openmetrics:
            doc = doc.replace('"', r'\"')
        header = _headers[key] = f"# HELP {name} {doc}\n# TYPE {name} {mtype}\n"
        if len(_headers) > 4096:  # help texts are fixed; this only guards against a leak
            _headers.clear()
    return header


def _family_header(f: Family, openmetrics: bool) -> str:
    if openmetrics:
        return _header(f.name, f.documentation, f.type, True)
    return _header(f.name + _TEXT_SUFFIXES.get(f.type, ""), f.documentation, _TEXT_TYPES.get(f.type, f.type), False)


def _keep_header(rendered: Rendered, f: Family, openmetrics: bool) -> str:
    text = rendered.blocks[openmetrics]
    if text is None:
        text = rendered.blocks[openmetrics] = _family_header(f, openmetrics) + rendered.text
    return text


def _family_block(f: Family, openmetrics: bool) -> str:
    """A Family's whole block (HELP, TYPE and sample lines). A reused family's is kept on it; a
    reused family of one unlabelled sample not yet written is one whose value moved (meminfo's,
    netstat's, our own: scalars.py), cheaper to write than to look up; any other family's is its
    last rendering's block when its rows are equal to those of then (families.Rendered, bounded
    there)."""
    reused = f.reused
    if reused:  # handed out again only while its rows are unchanged: its own text, no lookup
        kept = f.blocks
        text = kept[openmetrics] if kept is not None else None
        if text is not None:
            return text
    rows = f.rows
    single = not f.labelnames and len(rows) == 1
    if reused and single:  # new since its value moved (scalars.py): write it
        text = f"{_family_header(f, openmetrics)}{f.name}{f.SUFFIX} {go_value(rows[0][1])}\n"
    else:
        key = (f.name, f.type, f.documentation, f.labelnames)
        rendered = _rendered.get(key)  # f.rendered(), inline
        if rendered is not None and rendered.rows == rows:
            text = rendered.blocks[openmetrics] or _keep_header(rendered, f, openmetrics)
        elif single:  # a sample that moved (node_time_seconds): written, not kept
            text = f"{_family_header(f, openmetrics)}{f.name}{f.SUFFIX} {go_value(rows[0][1])}\n"
        else:
            text = _keep_header(f.render_after(key, rendered), f, openmetrics)
    if reused:
        f.keep_block(openmetrics, text)
    return text


def _metric_block(metric: Metric, openmetrics: bool) -> str:
    """A metric's whole block; a Family's by _family_block, any other Metric's from its Samples."""
    if isinstance(metric, Family):
        return _family_block(metric, openmetrics)
    out: list[str] = []
    if openmetrics:
        out.append(_header(metric.name, metric.documentation, metric.type, True))
        if metric.unit:
            out.append(f"# UNIT {metric.name} {metric.unit}\n")
        _plain_samples(metric.samples, out, timestamp_ms=False)
        return "".join(out)
    mtype = metric.type
    name = metric.name + _TEXT_SUFFIXES.get(mtype, "")
    out.append(_header(name, metric.documentation, _TEXT_TYPES.get(mtype, mtype), False))
    for s in metric.samples:
        if s.name.startswith(metric.name) and s.name[len(metric.name):] in _OM_ONLY_SUFFIXES:
            raise _Unusual(s.name)
    _plain_samples(metric.samples, out, timestamp_ms=True)
    return "".join(out)


# Each segment's blocks as last written, per format, with the metrics they were written from and
# whether each is kept by identity: a reused Family whose block is kept on it. Such a family is
# never changed once handed out (families.py); if one is all the same (add_metric after its
# block was kept), Family.edited_after_keeping moves and no kept segment is trusted. So a kept
# metric that is the very same object as then is the same text, and a segment whose metrics
# all are is its kept text (a collector's forty unchanged families, netstat's: one scan of
# pointers, no family touched); else only the others are written (meminfo's few moved fields of
# fifty-four). Any other metric (not reused, not a Family) is written anew every time. Holding
# the metrics keeps them alive, so an identity is never that of a newer object at the same
# address. Keys are fixed area and collector names; bounded like the rendered-family cache.
class _Segment:
    __slots__ = ("metrics", "kept", "blocks", "data", "edits", "whole")

    def __init__(self, metrics: tuple[Metric, ...], kept: list[bool], blocks: list[str]) -> None:
        self.metrics, self.kept, self.blocks = metrics, kept, blocks
        self.data = "".join(blocks).encode()  # kept encoded: a scrape joins bytes, encodes only what moved
        self.edits = Family.edited_after_keeping
        self.whole = all(kept)  # every metric kept: the same tuple handed in again is this text


_segments: dict[tuple[str, bool], _Segment] = {}


def _kept(metric: Metric) -> bool:
    return isinstance(metric, Family) and metric.reused and metric.blocks is not None


def _segment(key: str, metrics: Iterable[Metric], openmetrics: bool) -> bytes:
    """The segment's text, UTF-8 encoded."""
    slot = (key, openmetrics)
    last = _segments.get(slot)
    if last is not None and metrics is last.metrics and last.whole and last.edits == Family.edited_after_keeping:
        return last.data  # the very tuple as then (tuple() below hands a tuple back as it is)
    fams = tuple(metrics)
    n = len(fams)
    if last is not None and len(last.metrics) == n and last.edits == Family.edited_after_keeping:
        same = list(map(and_, map(is_, fams, last.metrics), last.kept))
        if all(same):
            return last.data
        blocks, kept = last.blocks.copy(), last.kept.copy()
        for i in compress(range(n), map(not_, same)):
            metric = fams[i]
            blocks[i] = _metric_block(metric, openmetrics)
            kept[i] = _kept(metric)
    else:
        blocks = []
        reused = False
        for metric in fams:
            if isinstance(metric, Family):
                blocks.append(_family_block(metric, openmetrics))
                reused = reused or metric.reused
            else:
                blocks.append(_metric_block(metric, openmetrics))
        if not reused:  # nothing to keep (a collector's families built afresh): nothing stored
            if last is not None:
                del _segments[slot]
            return "".join(blocks).encode()
        kept = list(map(_kept, fams))
    if len(_segments) >= MAX_RENDERED:
        _segments.clear()
    new = _segments[slot] = _Segment(fams, kept, blocks)
    return new.data


def _blocks_of(registry: Collector, openmetrics: bool) -> list[bytes]:
    """The registry's text in order, UTF-8 encoded; by segment when it hands out `segments()`: (key,
    one area's or one collector's families), keys fixed and distinct (exporter/exposition/cache.py)."""
    segments = getattr(registry, "segments", None)
    if segments is not None:
        return [_segment(key, metrics, openmetrics) for key, metrics in segments()]
    return ["".join([_metric_block(metric, openmetrics) for metric in registry.collect()]).encode()]


def _text(registry: Collector) -> bytes:
    return b"".join(_blocks_of(registry, False))


def _openmetrics(registry: Collector) -> bytes:
    out = _blocks_of(registry, True)
    out.append(b"# EOF\n")
    return b"".join(out)


def library_text(registry: Collector) -> bytes:
    """prometheus_client's text encoder (0.0.4), its module imported on first use."""
    from prometheus_client.exposition import generate_latest

    return bytes(generate_latest(registry))


def _with_fallback(fast: Callable[[Collector], bytes], library: Encoder, registry: Collector) -> bytes:
    try:
        return fast(registry)
    except _Unusual:
        return library(registry)


def _param(tokens: list[str], key: str) -> str | None:
    for tok in tokens:
        if "=" in tok:
            k, value = tok.strip().split("=", 1)
            if k == key:
                return value
    return None


def _at_least_1(version: str) -> bool:
    try:
        return parse_version(version) >= (1, 0, 0)
    except TypeError:  # "version=x": the library raises (a 500); here it is a version too old to pick
        return False


def choose_encoder(accept: str | None) -> tuple[Encoder, str]:
    """prometheus_client.exposition.choose_encoder (0.23-0.26) without importing that module
    unless the text format 1.0.0 is asked for (tests/exposition/test_encoding.py compares the two
    over many Accept headers)."""
    escapings = (openmetrics.ALLOWUTF8, openmetrics.UNDERSCORES, openmetrics.DOTS, openmetrics.VALUES)
    for accepted in (accept or "").split(","):
        tokens = accepted.split(";")
        media = tokens[0].strip()
        version = _param(tokens, "version") or ""
        if media == "application/openmetrics-text":
            if not version:
                return (partial(library_openmetrics, escaping=openmetrics.UNDERSCORES, version="1.0.0"),
                        OPENMETRICS_1_0_0)
            if _at_least_1(version):
                escaping = _param(tokens, "escaping")
                escaping = escaping if escaping in escapings else openmetrics.UNDERSCORES
                return (partial(library_openmetrics, escaping=escaping, version=version),
                        f"application/openmetrics-text; version={version}; charset=utf-8; escaping={escaping}")
        elif media == "text/plain" and version and _at_least_1(version):
            from prometheus_client.exposition import choose_encoder as library_choose

            return library_choose(accepted)
    return library_text, CONTENT_TYPE_PLAIN_0_0_4


_FAST_OPENMETRICS = {OPENMETRICS_1_0_0, OPENMETRICS_1_0_0 + "; escaping=underscores",
                     OPENMETRICS_1_0_0 + "; escaping=allow-utf-8"}


def _escaping(content_type: str) -> str:
    return content_type.rsplit("escaping=", 1)[1] if "escaping=" in content_type else "underscores"


def choose(accept: str | None) -> tuple[Encoder, str]:
    """(encoder, content type) for an Accept header, as prometheus_client negotiates it."""
    library, content_type = choose_encoder(accept)
    if content_type == CONTENT_TYPE_PLAIN_0_0_4:
        return partial(_with_fallback, _text, library_text), content_type
    if content_type in _FAST_OPENMETRICS:
        # Our names all pass check_name (legacy names, else the library writes the whole set),
        # and such a name is written the same under every escaping: Prometheus 3 asks for
        # allow-utf-8 first.
        return partial(_with_fallback, _openmetrics, partial(library_openmetrics, escaping=_escaping(content_type))), \
            content_type
    return library, content_type
