"""Alerting rules on the node_exporter metrics the drop-in collectors add, in the node-mixin's spirit.

Clock skew and synchronisation (timex), file descriptors (filefd), conntrack, major page
faults (vmstat) and interface flapping (netdev): fixed conditions, not thresholds of the
page, so they are written here once with the node-mixin's levels and `for` durations.
`exporter.alerting.rules.build_rules` adds them as the group ``sysmon-node``.
"""

from __future__ import annotations

from typing import Any

CLOCK_OFFSET_SECONDS = 0.05
CLOCK_MAX_ERROR_SECONDS = 16
FD_WARNING, FD_CRITICAL = 0.70, 0.90
CONNTRACK_RATIO = 0.75
MAJOR_FAULTS_PER_SECOND = 500
FLAPS = 2


def _alert(name: str, expr: str, for_: str, severity: str, summary: str, description: str) -> dict[str, Any]:
    return {"alert": name, "expr": expr, "for": for_, "labels": {"severity": severity},
            "annotations": {"summary": summary, "description": description}}


def node_rules() -> list[dict[str, Any]]:
    on = "{{ $labels.instance }}"
    fd = "node_filefd_allocated / node_filefd_maximum"
    rules = [
        _alert(
            "HostClockSkew",
            f"(node_timex_offset_seconds > {CLOCK_OFFSET_SECONDS} and deriv(node_timex_offset_seconds[5m]) >= 0)"
            f" or (node_timex_offset_seconds < -{CLOCK_OFFSET_SECONDS}"
            " and deriv(node_timex_offset_seconds[5m]) <= 0)",
            "10m", "warning",
            f"Clock of {on} is off by {{{{ $value | humanizeDuration }}}}",
            f"The clock of {on} is {{{{ $value | humanizeDuration }}}} off (more than"
            f" {CLOCK_OFFSET_SECONDS * 1000:g} ms) and not converging: check NTP (chrony, systemd-timesyncd).",
        ),
        _alert(
            "HostClockNotSynchronising",
            f"min_over_time(node_timex_sync_status[5m]) == 0 and node_timex_maxerror_seconds >= "
            f"{CLOCK_MAX_ERROR_SECONDS}",
            "10m", "warning",
            f"Clock of {on} is not synchronising",
            f"The kernel reports the clock of {on} unsynchronised for 5 minutes (sync status"
            f" {{{{ $value }}}}) with a maximum error of {CLOCK_MAX_ERROR_SECONDS} s or more: is an NTP daemon"
            " running?",
        ),
    ]
    for severity, level in (("warning", FD_WARNING), ("critical", FD_CRITICAL)):
        rules.append(_alert(
            "HostFileDescriptorsHigh", f"{fd} > {level!r}", "15m", severity,
            f"{{{{ $value | humanizePercentage }}}} of file descriptors in use on {on}",
            f"{{{{ $value | humanizePercentage }}}} of the kernel's file descriptors (fs.file-max) are allocated"
            f" on {on}, above {level * 100:g}% for 15m; new files and sockets will soon fail to open.",
        ))
    rules += [
        _alert(
            "HostConntrackHigh",
            f"node_nf_conntrack_entries / node_nf_conntrack_entries_limit > {CONNTRACK_RATIO!r}",
            "5m", "warning",
            f"Conntrack table {{{{ $value | humanizePercentage }}}} full on {on}",
            f"The connection-tracking table of {on} is {{{{ $value | humanizePercentage }}}} full; once full,"
            " new connections are dropped (raise net.netfilter.nf_conntrack_max).",
        ),
        _alert(
            "HostMajorPageFaults",
            f"rate(node_vmstat_pgmajfault[5m]) > {MAJOR_FAULTS_PER_SECOND}",
            "15m", "warning",
            f"{{{{ $value | humanize }}}} major page faults per second on {on}",
            f"{on} takes {{{{ $value | humanize }}}} major page faults per second (more than"
            f" {MAJOR_FAULTS_PER_SECOND}; pages read back from disk): memory pressure or thrashing.",
        ),
        _alert(
            "HostNetworkInterfaceFlapping",
            f'changes(node_network_up{{device!~"veth.+|tap.+"}}[2m]) > {FLAPS}',
            "2m", "warning",
            f"Interface {{{{ $labels.device }}}} of {on} is flapping",
            f"Interface {{{{ $labels.device }}}} of {on} changed state {{{{ $value }}}} times in 2 minutes.",
        ),
    ]
    return rules
