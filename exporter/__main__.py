"""`python -m exporter` does what `sysmon-exporter` does."""

import sys

from exporter.cli import main

sys.exit(main())
