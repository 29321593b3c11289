"""interrupts: numbered IRQs carry chip and devices, named ones their description; short lines skipped."""

from __future__ import annotations

from pathlib import Path

from exporter.host import interrupts
from tests.support.host_tree import collect, write_tree

INTERRUPTS = """           CPU0       CPU1
  0:         18          0  IR-IO-APIC-edge      timer
 16:     328511     322879  IR-IO-APIC-fasteoi   ehci_hcd:usb1, mmc0
NMI:         47       5031   Non-maskable interrupts
ERR:          0
"""


def test_interrupts(tmp_path: Path) -> None:
    got = collect(interrupts.make, write_tree(tmp_path, {"proc/interrupts": INTERRUPTS}))
    assert got[("node_interrupts_total", (("cpu", "1"), ("devices", "ehci_hcd:usb1, mmc0"),
                                          ("info", "IR-IO-APIC-fasteoi"), ("type", "16")))] == 322879
    assert got[("node_interrupts_total", (("cpu", "0"), ("devices", ""), ("info", "Non-maskable interrupts"),
                                          ("type", "NMI")))] == 47
    assert len(got) == 6  # ERR has one column for all CPUs: left out
