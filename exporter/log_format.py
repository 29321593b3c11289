"""How the server logs to stderr: readable on a terminal, one clean line per event for journald.

Under systemd (and Docker, or any log collector reading a pipe) the collector stamps every line
with its own time, so a timestamp of ours would be doubled, and it splits entries at newlines,
so a traceback would become twenty unrelated entries. Hence three forms:

- a terminal: `2026-12-01 10:00:00,123 INFO exporter: ...` (tracebacks as usual);
- a pipe or file: `INFO exporter: ...`, a traceback folded into the same line (`\\n` escaped);
- journald (stderr is the stream named by `$JOURNAL_STREAM`): the same with an `<N>` syslog
  priority prefix, which journald strips and turns into the entry's priority, so
  `journalctl -p warning` works.
"""

from __future__ import annotations

import logging
import os
from typing import TextIO

TERMINAL_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
PLAIN_FORMAT = "%(levelname)s %(name)s: %(message)s"

# sd-daemon(3) priorities.
_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


def is_journal(stream: TextIO) -> bool:
    """Whether `stream` is the journald stream systemd connected us to ($JOURNAL_STREAM = dev:inode)."""
    expected = os.environ.get("JOURNAL_STREAM", "")
    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return expected == f"{st.st_dev}:{st.st_ino}"


class OneLineFormatter(logging.Formatter):
    """Folds a record (message and traceback) into one line; optionally with journald's priority."""

    def __init__(self, fmt: str, journal: bool) -> None:
        super().__init__(fmt)
        self.journal = journal

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record).replace("\r", "\\r").replace("\n", "\\n")
        if self.journal:
            level = max((lvl for lvl in _PRIORITY if lvl <= record.levelno), default=logging.DEBUG)
            return f"<{_PRIORITY[level]}>{text}"
        return text


def formatter_for(stream: TextIO) -> logging.Formatter:
    if is_journal(stream):
        return OneLineFormatter(PLAIN_FORMAT, journal=True)
    if stream.isatty():
        return logging.Formatter(TERMINAL_FORMAT)
    return OneLineFormatter(PLAIN_FORMAT, journal=False)


def configure_logging(level: str, stream: TextIO) -> None:
    """The root logger writes to `stream` in the form that suits what reads it."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter_for(stream))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
