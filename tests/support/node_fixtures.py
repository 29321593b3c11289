"""node_exporter's end-to-end fixtures as an oracle: unpack its fake host, run ours on it, compare.

`../shared/node-exporter-fixtures/` (beside the checkout, as in CI) holds the fake
`/proc`, `/sys` (sys.ttar) and udev data (udev.ttar) of node_exporter's own end-to-end
test and `e2e-output.txt`, node_exporter's /metrics on that tree (volatile series
removed). This module unpacks the tree into a scratch root (proc/, sys/,
run/udev/data/, with proc/self a symlink to 10 as on the original tree), runs our
real HostReader, Sampler and /metrics rendering on it with `root_prefix`, parses
both outputs and compares them series by series, restricted to metric-name
prefixes, so each collector is checked on its own. The shared folder is data, never
copied into the project; tests that need it skip with a reason when it is absent.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from exporter.config import Config, config_from_dict
from exporter.host.collectors import NAMES
from exporter.runtime import build_runtime

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "node-exporter-fixtures"

# The names node_exporter's e2e golden file leaves out (they differ on every run).
VOLATILE = re.compile(
    r"^(go_|node_exporter_build_info|node_scrape_collector_duration_seconds|process_|node_textfile_mtime_seconds"
    r"|node_time_(zone|seconds)|node_network_(receive|transmit)_(bytes|packets)_total)"
)

# Collectors node_exporter had switched off for the golden file: they read the real host.
E2E_OFF = ("filesystem", "timex", "uname", "selinux")

Key = tuple[str, tuple[tuple[str, str], ...]]


def fixtures_dir() -> Path:
    """The shared fixture folder, or skip the test saying where it was looked for."""
    if not (SHARED / "e2e-output.txt").is_file():
        pytest.skip(f"node_exporter's fixtures not found at {SHARED} (CI has shared/ beside the clone)")
    return SHARED


# --- ttar -----------------------------------------------------------------------------


def _content(line: str) -> str:
    r"""A ttar content line: NULLBYTE stands for a NUL byte, \NULLBYTE for the word itself."""
    if "NULLBYTE" not in line:
        return line
    return "NULLBYTE".join(part.replace("NULLBYTE", "\0") for part in line.split("\\NULLBYTE"))


def unpack_ttar(archive: Path, dest: Path) -> None:
    """Unpack a ttar text archive (node_exporter's fixture format) under `dest`."""
    lines = archive.read_text(encoding="utf-8").split("\n")
    i, path = 0, None
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition(": ")
        if key == "Directory":
            path = dest / value
            path.mkdir(parents=True, exist_ok=True)
        elif key == "Path":
            path = dest / value
            path.parent.mkdir(parents=True, exist_ok=True)
        elif key == "SymlinkTo":
            assert path is not None, f"{archive}:{i}: SymlinkTo without Path"
            os.symlink(value, path)
        elif key == "Lines":
            assert path is not None, f"{archive}:{i}: Lines without Path"
            n = int(value)
            body = [_content(x) for x in lines[i : i + n]]
            i += n
            text = "".join(x + "\n" for x in body)
            if body and body[-1].endswith("EOF") and not body[-1].endswith("\\EOF"):
                text = text[: -len("EOF\n")]  # no final newline
            text = text.replace("\\EOF\n", "EOF\n")
            path.write_bytes(text.encode("utf-8"))
        elif key == "Mode":
            assert path is not None, f"{archive}:{i}: Mode without Path"
            if not path.is_symlink():
                os.chmod(path, int(value, 8))
        else:
            raise ValueError(f"{archive}:{i}: unexpected ttar line {line!r}")


def build_root(dest: Path) -> Path:
    """The fixture host under `dest`: proc/ (self → 10), sys/ and run/udev/data/."""
    src = fixtures_dir()
    shutil.copytree(src / "proc", dest / "proc", symlinks=True)
    for dirpath, _dirnames, _files in os.walk(dest / "proc"):
        os.chmod(dirpath, 0o755)
    self_link = dest / "proc" / "self"
    if not self_link.is_symlink():  # the shared copy may have lost the symlink
        self_link.unlink()
        self_link.symlink_to("10")
    unpack_ttar(src / "sys.ttar", dest)
    unpack_ttar(src / "udev.ttar", dest / "run")
    # node_exporter read the netdev counters of lo over netlink (the tree has no net/dev): a fresh
    # loopback, all zero but bytes and packets, which the golden file strips. Ours reads the same
    # interface from /proc/1/net/dev under root_prefix, so that is the stand-in for the kernel's answer.
    net_dev = dest / "proc" / "1" / "net" / "dev"
    net_dev.parent.mkdir()
    net_dev.write_text(LO_NET_DEV)
    return dest


LO_NET_DEV = (
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|"
    "bytes    packets errs drop fifo colls carrier compressed\n"
    "    lo: 1000 10 0 0 0 0 0 0 1000 10 0 0 0 0 0 0\n"
)


# --- running ours the way node_exporter was started --------------------------------------


def e2e_settings(root: Path) -> dict[str, Any]:
    """Our configuration equivalent to node_exporter's flags for the golden file.

    node_exporter was started with --path.procfs, --path.sysfs, --path.rootfs and
    --path.udev.data on the fixture tree; filesystem, timex, uname and selinux off; every
    other collector on (also the ones off by default); and these options, which have
    their equivalents here as each collector gains its settings:
    --collector.netdev.device-include=lo,
    --collector.hwmon.chip-include=(applesmc|asus_nb_wmi|coretemp|hwmon4|ieee80211|nct6779),
    --collector.netclass.ignored-devices=(dmz|int), --collector.netclass.ignore-invalid-speed,
    --collector.stat.softirq, --collector.textfile.directory=collector/fixtures/textfile/two_metric_files/
    (read here from the shared folder: the HELP of its families names that path, so HELP is not compared),
    --collector.cpu.info, --collector.cpu.info.flags-include=^(aes|avx.?|constant_tsc)$,
    --collector.cpu.info.bugs-include=^(cpu_meltdown|spectre_.*|mds)$; and, as node_exporter's
    end-to-end-test.sh also passes (the fixture README leaves them out),
    --collector.arp.device-exclude=nope and --no-collector.arp.netlink.
    """
    off = [n for n in E2E_OFF if n in NAMES]
    return {
        "root_prefix": str(root),
        "enabled_collectors": [n for n in NAMES if n not in off],
        "disabled_collectors": off,
        "network": {"device_include": "lo"},
        "netclass": {"ignored_devices": "(dmz|int)", "ignore_invalid_speed": True},
        "arp": {"device_exclude": "nope"},
        "textfile": {"directory": str(fixtures_dir() / "textfile" / "two_metric_files")},
        "stat": {"softirq": True},
        "cpu": {"info": True, "info_flags_include": "^(aes|avx.?|constant_tsc)$",
                "info_bugs_include": "^(cpu_meltdown|spectre_.*|mds)$"},
        "hwmon": {"chip_include": "(applesmc|asus_nb_wmi|coretemp|hwmon4|ieee80211|nct6779)"},
        "dirsize": {"enabled": False},
        "history": {"enabled": False},
    }


def e2e_config(root: Path, **overrides: Any) -> Config:
    settings = e2e_settings(root)
    settings.update(overrides)
    return config_from_dict(settings)


def scrape(config: Config) -> str:
    """One /metrics rendering of ours (the real reader, Sampler and exposition) in the text format."""
    runtime = build_runtime(config)
    try:
        runtime.sampler.latest()
        body, _content_type = runtime.exposition.render(None, False)
    finally:
        runtime.stop()
    return body.decode("utf-8")


# --- comparing ----------------------------------------------------------------------------


@dataclass
class Exposition:
    """A parsed /metrics text: every sample by (name, labels), every family's type."""

    samples: dict[Key, float] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    helps: dict[str, str] = field(default_factory=dict)

    def select(self, prefixes: Iterable[str], exclude: Iterable[str] = ()) -> dict[Key, float]:
        """The non-volatile samples whose names start with one of `prefixes` and none of `exclude`."""
        pre, ex = tuple(prefixes), tuple(exclude)
        return {
            k: v for k, v in self.samples.items()
            if k[0].startswith(pre) and not (ex and k[0].startswith(ex)) and not VOLATILE.match(k[0])
        }


def parse(text: str) -> Exposition:
    out = Exposition()
    for fam in text_string_to_metric_families(text):
        out.types[fam.name] = fam.type
        out.helps[fam.name] = fam.documentation
        for s in fam.samples:
            out.samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def expected() -> Exposition:
    """node_exporter's output on the fixture tree."""
    return parse((fixtures_dir() / "e2e-output.txt").read_text(encoding="utf-8"))


def differences(theirs: Exposition, ours: Exposition, prefixes: Iterable[str],
                exclude: Iterable[str] = ()) -> list[str]:
    """Every series of `theirs` under `prefixes` that ours lacks or has with another value, every
    series ours has that theirs does not, and every family whose type differs; [] when they agree."""
    prefixes, exclude = tuple(prefixes), tuple(exclude)
    want, got = theirs.select(prefixes, exclude), ours.select(prefixes, exclude)
    problems = [f"missing {k} (node_exporter: {want[k]})" for k in sorted(want.keys() - got.keys())]
    problems += [f"extra {k} = {got[k]}" for k in sorted(got.keys() - want.keys())]
    problems += [
        f"{k}: ours {got[k]}, node_exporter {want[k]}"
        for k in sorted(want.keys() & got.keys())
        if not (got[k] == want[k] or (got[k] != got[k] and want[k] != want[k]))  # NaN equals NaN here
    ]
    families = {n for n in theirs.types if n.startswith(prefixes) and not (exclude and n.startswith(exclude))}
    problems += [
        f"type of {n}: ours {ours.types[n]}, node_exporter {theirs.types[n]}"
        for n in sorted(families)
        if n in ours.types and n in theirs.types and ours.types[n] != theirs.types[n]
    ]
    return problems
