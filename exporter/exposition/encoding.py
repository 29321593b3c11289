"""Prometheus text (0.0.4) and OpenMetrics (1.0.0) encoders, byte-identical to
prometheus_client's for the metrics we export, and several times faster.

prometheus_client validates and escapes every name and label of every sample on
each scrape; ours are a handful of fixed names, so names are checked once and
remembered, and a label value is escaped only when it holds a character that
needs it. Anything outside that (another escaping scheme or format version,
exemplars, native histograms, OpenMetrics-only samples, names that need
escaping) is handed to prometheus_client's own encoder, so the output never
differs from the library's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from operator import attrgetter, is_

from prometheus_client.metrics_core import Metric
from prometheus_client.openmetrics import exposition as openmetrics
from prometheus_client.openmetrics.exposition import CONTENT_TYPE_LATEST as OPENMETRICS_1_0_0
from prometheus_client.openmetrics.exposition import generate_latest as library_openmetrics
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString, parse_version

from exporter.exposition.families import MAX_RENDERED, Family, Row, Unrenderable, check_name, escape_label_value

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


# Each Family's whole block (HELP, TYPE and sample lines) as last written, by shape and
# format, with the rows it was written from: one lookup and one comparison of rows per
# family when nothing moved (most of a scrape's). Bounded like the rendered-rows cache.
_blocks: dict[tuple[str, str, str, tuple[str, ...], bool], tuple[list[Row], str]] = {}


def _family_block(f: Family, openmetrics: bool) -> str:
    reused = f.reused
    if reused:  # handed out again only while its rows are unchanged: its own text, no lookup
        kept = f.blocks
        text = kept[openmetrics] if kept is not None else None
        if text is not None:
            return text
    key = (f.name, f.type, f.documentation, f.labelnames, openmetrics)
    rows = f.rows
    last = _blocks.get(key)
    if last is not None and last[0] == rows:
        if reused:
            f.keep_block(openmetrics, last[1])
        return last[1]
    if openmetrics:
        out = [_header(f.name, f.documentation, f.type, True)]
    else:
        out = [_header(f.name + _TEXT_SUFFIXES.get(f.type, ""), f.documentation, _TEXT_TYPES.get(f.type, f.type),
                       False)]
    f.render_rows(out)
    text = "".join(out)
    if len(_blocks) >= MAX_RENDERED:
        _blocks.clear()
    _blocks[key] = (rows.copy(), text)  # a copy: a family may gain rows after this
    if reused:
        f.keep_block(openmetrics, text)
    return text


def _write(metrics: Iterable[Metric], out: list[str], openmetrics: bool) -> bool:
    """Append each metric's block; True when every one is a reused Family whose block is now kept
    on it (what a segment's whole text may be kept for)."""
    kept = True
    for metric in metrics:
        if isinstance(metric, Family):
            out.append(_family_block(metric, openmetrics))
            kept = kept and metric.reused and metric.blocks is not None
            continue
        kept = False
        if openmetrics:
            out.append(_header(metric.name, metric.documentation, metric.type, True))
            if metric.unit:
                out.append(f"# UNIT {metric.name} {metric.unit}\n")
            _plain_samples(metric.samples, out, timestamp_ms=False)
            continue
        mtype = metric.type
        name = metric.name + _TEXT_SUFFIXES.get(mtype, "")
        out.append(_header(name, metric.documentation, _TEXT_TYPES.get(mtype, mtype), False))
        for s in metric.samples:
            if s.name.startswith(metric.name) and s.name[len(metric.name):] in _OM_ONLY_SUFFIXES:
                raise _Unusual(s.name)
        _plain_samples(metric.samples, out, timestamp_ms=True)
    return kept


# Each segment's text as last written, per format, with the families it was written from and
# their kept blocks. Written again when every family is the very same reused object as then,
# each still holding the same kept-blocks list: a reused family is never changed once handed
# out (families.py), and add_metric drops its kept blocks, so the same objects with the same
# kept blocks are the same text. Then a collector's forty unchanged families (netstat's) cost
# two identity scans instead of forty lookups. Holding the families keeps them alive, so an
# identity is never that of a newer object at the same address. Keys are fixed area and
# collector names; bounded like the rendered-family cache.
_segments: dict[tuple[str, bool], tuple[tuple[Metric, ...], tuple[object, ...], str]] = {}
_kept_blocks = attrgetter("blocks")


def _segment(key: str, metrics: Iterable[Metric], openmetrics: bool) -> str:
    fams = tuple(metrics)
    slot = (key, openmetrics)
    last = _segments.get(slot)
    if (last is not None and len(last[0]) == len(fams) and all(map(is_, fams, last[0]))
            and all(map(is_, map(_kept_blocks, fams), last[1]))):
        return last[2]
    out: list[str] = []
    kept = _write(fams, out, openmetrics)
    text = "".join(out)
    if kept:
        if len(_segments) >= MAX_RENDERED:
            _segments.clear()
        _segments[slot] = (fams, tuple(map(_kept_blocks, fams)), text)
    elif last is not None:
        del _segments[slot]
    return text


def _blocks_of(registry: Collector, openmetrics: bool) -> list[str]:
    """The registry's blocks in order; by segment when it hands out `segments()`: (key, one area's
    or one collector's families), keys fixed and distinct (exporter/exposition/cache.py)."""
    segments = getattr(registry, "segments", None)
    if segments is not None:
        return [_segment(key, metrics, openmetrics) for key, metrics in segments()]
    out: list[str] = []
    _write(registry.collect(), out, openmetrics)
    return out


def _text(registry: Collector) -> bytes:
    return "".join(_blocks_of(registry, False)).encode("utf-8")


def _openmetrics(registry: Collector) -> bytes:
    out = _blocks_of(registry, True)
    out.append("# EOF\n")
    return "".join(out).encode("utf-8")


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
