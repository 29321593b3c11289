"""The JSON shapes of a scan, shared by the HTTP API (web/dirsize_routes.py) and the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from exporter.dirsize.scanner import Progress, ScanResult
from exporter.text import valid_text

if TYPE_CHECKING:
    from exporter.dirsize.service import ScanView


def progress_json(p: Progress | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"entries": p.entries, "bytes": p.bytes, "started": p.started, "elapsed_seconds": round(p.elapsed, 3)}


def result_json(r: ScanResult | None, limit: int) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "path": r.path,
        "status": r.status,
        "complete": r.complete,
        "message": r.message,
        "started": r.started,
        "finished": r.finished,
        "duration_seconds": round(r.duration, 3),
        "total_bytes": r.total_bytes,
        "entries": r.entries,
        "directories": [{"path": e.path, "bytes": e.size} for e in r.directories[:limit]],
        "files": [{"path": e.path, "bytes": e.size} for e in r.files[:limit]],
        "errors": {"count": r.error_count, "examples": list(r.error_examples)},
    }


def view_json(v: ScanView, limit: int, now: float) -> dict[str, Any]:
    return {
        "path": valid_text(v.path),
        "root": valid_text(v.root),
        "state": v.state,
        "running": v.running,
        "queued": v.queued,
        "progress": progress_json(v.progress),
        "last_success": v.last_success,
        "age_seconds": None if v.result is None else round(max(0.0, now - v.result.finished), 3),
        "result": result_json(v.result, limit),
    }
