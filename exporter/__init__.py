"""Linux System Monitor: a Prometheus exporter and web dashboard for one host."""

__version__ = "0.1.0"
