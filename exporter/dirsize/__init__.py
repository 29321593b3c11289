"""Largest directories and files: a du-style scanner and the service that schedules and caches scans."""

from exporter.dirsize.scanner import Entry, Progress, ScanResult, scan
from exporter.dirsize.service import DirSizeService, PathRejected

__all__ = ["DirSizeService", "Entry", "PathRejected", "Progress", "ScanResult", "scan"]
