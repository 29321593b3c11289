"""node_exporter's `textfile` collector: the *.prom files of a directory, read at scrape time.

So that node-exporter-textfile-collector-scripts work unchanged, node_exporter's
rules are kept:
- `textfile.directory` may be a glob (several directories); in each, every file whose
  name ends in `.prom` is read, in name order; other files are ignored.
- A file that cannot be read or parsed, or that carries client-side timestamps, is
  skipped whole and sets node_textfile_scrape_error to 1 (the others still count);
  a pattern that matches no directory sets it too.
- `node_textfile_mtime_seconds{file}` for every file read.
- A family in several files is merged; a file whose HELP for it differs from the first
  one's (or whose type does) contributes nothing to it and sets the error; a family
  without HELP gets "Metric read from <files>".
- Within a family, samples lacking a label the others have get it empty, and every
  summary or histogram series gets its _sum and _count (0 when the file has none).
Deliberate differences: a counter whose name does not end in `_total` is exported
untyped (the text format would otherwise write its TYPE line as `<name>_total`), and
a series repeated across files is kept once and sets the error, where node_exporter
fails the whole scrape.
"""

from __future__ import annotations

import glob
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from prometheus_client.metrics_core import Metric

from exporter.exposition.families import CounterFamily, Family, GaugeFamily, UntypedFamily
from exporter.host.context import CollectorContext
from exporter.host.textfile_format import ParsedFamily, Sample, parse_text

log = logging.getLogger(__name__)


@dataclass
class _Merged:
    family: ParsedFamily
    files: list[str] = field(default_factory=list)
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = field(default_factory=set)


def _files(pattern: str) -> tuple[list[str], bool]:
    """The .prom files of the directories matching `pattern`, and whether anything went wrong."""
    dirs = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
    dirs = [d for d in dirs if os.path.isdir(d)]
    if not dirs:
        log.debug("textfile: no directory matches %s", pattern)
        return [], True
    files, error = [], False
    for d in dirs:
        try:
            names = sorted(os.listdir(d))
        except OSError as e:
            log.debug("textfile: cannot list %s: %s", d, e)
            error = True
            continue
        files += [os.path.join(os.path.normpath(d), n) for n in names if n.endswith(".prom")]
    return files, error


def _read(path: str) -> tuple[float, list[ParsedFamily]]:
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        text = f.read().decode("utf-8")
    families = parse_text(text)
    for fam in families:
        if any(s.timestamp_ms is not None for s in fam.samples):
            raise ValueError("client-side timestamps are not supported (the whole file is skipped)")
    return st.st_mtime_ns / 1e9, families


def _complete(fam: ParsedFamily) -> list[Sample]:
    """Every sample with the family's whole label set (missing ones empty), and each summary or
    histogram series with its _sum and _count, as node_exporter's conversion gives them; a
    series' samples together (quantiles or buckets, then _sum and _count), as OpenMetrics needs."""
    special = {"summary": "quantile", "histogram": "le"}.get(fam.type)
    names = sorted({k for s in fam.samples for k in s.labels if k != special})
    samples = [Sample(s.name, {**dict.fromkeys(names, ""), **s.labels}, s.value) for s in fam.samples]
    if special is None:
        return samples
    groups: dict[tuple[str, ...], dict[str, Sample]] = {}
    for s in samples:
        key = tuple(s.labels[n] for n in names)
        suffix = s.name[len(fam.name):]
        groups.setdefault(key, {})[suffix if suffix in ("_sum", "_count") else f"{suffix}:{s.labels.get(special)}"] = s
    out = []
    for key, got in groups.items():
        base = dict(zip(names, key, strict=True))
        out += [s for k, s in got.items() if k not in ("_sum", "_count")]
        if fam.type == "histogram" and "_bucket:+Inf" not in got:
            count = got["_count"].value if "_count" in got else 0.0
            out.append(Sample(fam.name + "_bucket", {**base, "le": "+Inf"}, count))
        for suffix in ("_sum", "_count"):
            out.append(got.get(suffix) or Sample(fam.name + suffix, dict(base), 0.0))
    return out


def _metric(fam: ParsedFamily, help_text: str) -> Metric:
    samples = _complete(fam)
    if fam.type in ("summary", "histogram"):
        metric = Metric(fam.name, help_text, fam.type)
        for s in samples:
            metric.add_sample(s.name, s.labels, s.value)
        return metric
    cls: type[Family]
    if fam.type == "gauge":
        cls = GaugeFamily
    elif fam.type == "counter" and fam.name.endswith("_total"):
        cls = CounterFamily
    else:
        cls = UntypedFamily
    names = sorted({k for s in samples for k in s.labels})
    out = cls(fam.name, help_text, labels=names)
    for s in samples:
        out.add_metric([s.labels[n] for n in names], s.value)
    return out


def read_textfiles(pattern: str) -> list[Metric]:
    files, error = _files(pattern)
    merged: dict[str, _Merged] = {}
    mtimes: list[tuple[str, float]] = []
    for path in files:
        try:
            mtime, families = _read(path)
        except (OSError, ValueError) as e:  # UnicodeDecodeError is a ValueError
            log.debug("textfile: skipping %s: %s", path, e)
            error = True
            continue
        mtimes.append((path, mtime))
        for fam in families:
            m = merged.get(fam.name)
            if m is None:
                merged[fam.name] = _Merged(fam, [path], {(s.name, tuple(sorted(s.labels.items())))
                                                         for s in fam.samples})
                continue
            first = m.family
            if fam.type != first.type or (fam.help and first.help and fam.help != first.help):
                log.debug("textfile: %s in %s differs from %s in its type or help", fam.name, path, m.files[0])
                error = True
                continue
            for s in fam.samples:
                key = (s.name, tuple(sorted(s.labels.items())))
                if key in m.seen:
                    error = True
                    continue
                m.seen.add(key)
                first.samples.append(s)
            first.help = first.help or fam.help
            m.files.append(path)
    out: list[Metric] = [
        _metric(m.family, m.family.help or f"Metric read from {', '.join(m.files)}") for m in merged.values()
    ]
    if mtimes:
        mtime_family = GaugeFamily("node_textfile_mtime_seconds", "Unixtime mtime of textfiles successfully read.",
                                   labels=["file"])
        for path, mtime in mtimes:
            mtime_family.add_metric([path], mtime)
        out.append(mtime_family)
    out.append(_scrape_error(error))
    return out


def _scrape_error(error: bool) -> Metric:
    return GaugeFamily("node_textfile_scrape_error", "1 if there was an error opening or reading a file, 0 otherwise",
                       1.0 if error else 0.0)


def make(ctx: CollectorContext) -> Callable[[], list[Metric]]:
    pattern = ctx.config.textfile.directory
    if not pattern:
        # node_exporter's default: on, nothing to read, and "no error" said, which dashboard 1860's
        # scrape panel and the node-mixin's NodeTextFileCollectorScrapeError read. No file is touched.
        return lambda: [_scrape_error(False)]
    return lambda: read_textfiles(pattern)
