"""Readers of the host: the only code that touches /proc, /sys and the filesystems."""
