"""`sysmon-exporter scan PATH`: the same scan as the service, in the foreground.

Progress goes to stderr (a rewritten line on a terminal, at most 5 updates a second;
otherwise a line every 5 seconds); the table or JSON goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
import threading
import time
from typing import Any, TextIO

from exporter.dirsize.scanner import Progress, ScanResult, human_bytes, scan
from exporter.dirsize.shapes import result_json

TTY_INTERVAL = 0.2
PLAIN_INTERVAL = 5.0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "scan",
        help="print the largest directories and files under PATH (sizes as du -x counts them)",
        description="Scan PATH like `du -x` and print its largest directories and files.",
    )
    p.add_argument("path", metavar="PATH", help="directory to scan")
    p.add_argument("--limit", type=_limit, default=10, metavar="N", help="entries per list, 1-100 (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS", help="stop after this long")
    p.set_defaults(run=run)
    return p


def _limit(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if not 1 <= n <= 100:
        raise argparse.ArgumentTypeError("must be between 1 and 100")
    return n


class _Reporter:
    def __init__(self, stream: TextIO, monotonic: Any = time.monotonic) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.interval = TTY_INTERVAL if self.tty else PLAIN_INTERVAL
        self.monotonic = monotonic
        self.last = monotonic()
        self.width = 0

    def __call__(self, p: Progress) -> None:
        now = self.monotonic()
        if now - self.last < self.interval:
            return
        self.last = now
        text = f"scanning: {p.entries:,} entries, {human_bytes(p.bytes)}, {p.elapsed:.1f}s"
        if self.tty:
            self.stream.write("\r" + text.ljust(self.width))
            self.width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.tty and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


def run(args: argparse.Namespace) -> int:
    path = os.path.abspath(os.path.expanduser(args.path))
    try:
        st = os.stat(path)
    except OSError as e:
        print(f"sysmon-exporter scan: {args.path}: {e.strerror or e}", file=sys.stderr)
        return 2
    if not stat.S_ISDIR(st.st_mode):
        print(f"sysmon-exporter scan: {args.path}: not a directory", file=sys.stderr)
        return 2
    path = os.path.realpath(path)
    reporter = _Reporter(sys.stderr)
    cancel = threading.Event()
    try:
        result = scan(path, top_n=args.limit, cancel=cancel, time_limit=args.time_limit, on_progress=reporter)
    except KeyboardInterrupt:
        reporter.done()
        print("sysmon-exporter scan: interrupted", file=sys.stderr)
        return 130
    reporter.done()
    try:
        if args.json:
            json.dump(result_json(result, args.limit), sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            sys.stdout.write(format_table(result, args.limit))
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into head
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    if result.status == "error":
        print(f"sysmon-exporter scan: {result.message}", file=sys.stderr)
        return 1
    if result.error_count:
        print(f"sysmon-exporter scan: {result.error_count} entries could not be read "
              f"(e.g. {result.error_examples[0]})", file=sys.stderr)
    return 0 if result.status == "ok" else 1


def format_table(r: ScanResult, limit: int) -> str:
    lines = [
        f"{r.path}: {human_bytes(r.total_bytes)} ({r.total_bytes:,} bytes) in {r.entries:,} entries, "
        f"scanned in {r.duration:.2f}s" + ("" if r.complete else f" [{r.status}: {r.message}]"),
        "",
    ]
    for title, entries in (("Largest directories", r.directories), ("Largest files", r.files)):
        lines.append(title)
        if not entries:
            lines.append("  (none)")
        for e in entries[:limit]:
            share = e.size / r.total_bytes * 100 if r.total_bytes else 0.0
            lines.append(f"  {human_bytes(e.size):>10}  {share:5.1f}%  {_printable(e.path)}")
        lines.append("")
    return "\n".join(lines)


def _printable(path: str) -> str:
    """Control characters in file names (e.g. a newline) must not break the table or the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in path)
