"""hwmon: chip naming (device, name file, hwmonN; shared devices), units, filters, label sensors."""

from __future__ import annotations

import os
from pathlib import Path

from exporter.host import hwmon
from tests.support.host_tree import collect, write_tree


def tree(tmp_path: Path) -> Path:
    root = write_tree(tmp_path, {
        "sys/devices/platform/coretemp.0/hwmon/hwmon0/name": "coretemp\n",
        "sys/devices/platform/coretemp.0/hwmon/hwmon0/temp1_input": "55000\n",
        "sys/devices/platform/coretemp.0/hwmon/hwmon0/temp1_label": "Physical id 0\n",
        "sys/devices/platform/coretemp.0/hwmon/hwmon0/temp1_crit_alarm": "0\n",
        "sys/devices/platform/wmi/hwmon/hwmon1/name": "asus\n",
        "sys/devices/platform/wmi/hwmon/hwmon1/fan1_input": "1998\n",
        "sys/devices/platform/wmi/hwmon/hwmon2/name": "asus_sensors\n",
        "sys/devices/platform/wmi/hwmon/hwmon2/in0_input": "792\n",
        "sys/devices/platform/wmi/hwmon/hwmon2/power1_average": "5002000\n",
        "sys/devices/platform/wmi/hwmon/hwmon2/energy1_input": "3000000\n",
        "sys/devices/platform/wmi/hwmon/hwmon2/freq1_input": "214000000\n",
        "sys/devices/platform/wmi/hwmon/hwmon2/freq1_label": "sclk\n",
        "sys/class/hwmon/hwmon3/name": "nct6779\n",  # no device link: the name file names it
        "sys/class/hwmon/hwmon3/pwm1": "153\n",
        "sys/class/hwmon/hwmon4/temp1_input": "54000\n",  # neither device nor name: hwmon4
    })
    for n, target in ((0, "coretemp.0"), (1, "wmi"), (2, "wmi")):
        os.symlink(f"../../devices/platform/{target}/hwmon/hwmon{n}", root / f"sys/class/hwmon/hwmon{n}")
        os.symlink(f"../../../{target}", root / f"sys/devices/platform/{target}/hwmon/hwmon{n}/device")
    return root


def test_chip_names_and_units(tmp_path: Path) -> None:
    got = collect(hwmon.make, tree(tmp_path))
    assert got[("node_hwmon_temp_celsius", (("chip", "platform_coretemp_0"), ("sensor", "temp1")))] == 55.0
    assert got[("node_hwmon_temp_crit_alarm_celsius", (("chip", "platform_coretemp_0"), ("sensor", "temp1")))] == 0
    assert got[("node_hwmon_sensor_label", (("chip", "platform_coretemp_0"), ("label", "Physical id 0"),
                                            ("sensor", "temp1")))] == 1
    # Two chips on one device are told apart by their name files.
    assert got[("node_hwmon_fan_rpm", (("chip", "platform_wmi_asus"), ("sensor", "fan1")))] == 1998
    wmi = (("chip", "platform_wmi_asus_sensors"),)
    assert got[("node_hwmon_in_volts", (*wmi, ("sensor", "in0")))] == 0.792
    assert got[("node_hwmon_power_average_watt", (*wmi, ("sensor", "power1")))] == 5.002
    assert got[("node_hwmon_energy_joule_total", (*wmi, ("sensor", "energy1")))] == 3.0
    assert got[("node_hwmon_freq_freq_mhz", (*wmi, ("sensor", "sclk")))] == 214.0
    assert got[("node_hwmon_pwm", (("chip", "nct6779"), ("sensor", "pwm1")))] == 153
    assert got[("node_hwmon_temp_celsius", (("chip", "hwmon4"), ("sensor", "temp1")))] == 54.0
    assert {dict(k[1])["chip"]: dict(k[1])["chip_name"] for k in got if k[0] == "node_hwmon_chip_names"} == {
        "platform_coretemp_0": "coretemp", "platform_wmi_asus": "asus",
        "platform_wmi_asus_sensors": "asus_sensors", "nct6779": "nct6779"}


def test_chip_and_sensor_filters(tmp_path: Path) -> None:
    root = tree(tmp_path)
    chips = {dict(k[1])["chip"] for k in collect(hwmon.make, root, hwmon={"chip_exclude": "wmi|hwmon4"})}
    assert chips == {"platform_coretemp_0", "nct6779"}
    only = collect(hwmon.make, root, hwmon={"chip_include": "coretemp", "sensor_exclude": "coretemp_0;temp1"})
    assert set(only) == {("node_hwmon_chip_names", (("chip", "platform_coretemp_0"), ("chip_name", "coretemp")))}


def test_kept_sensor_files_follow_changes_and_a_reloaded_chip(tmp_path: Path) -> None:
    import shutil

    from tests.support.host_tree import context, samples

    chip = "sys/class/hwmon/hwmon0"
    write_tree(tmp_path, {f"{chip}/name": "coretemp\n", f"{chip}/temp1_input": "40000\n"})
    reader = hwmon.make(context(tmp_path))
    key = ("node_hwmon_temp_celsius", (("chip", "coretemp"), ("sensor", "temp1")))
    try:
        assert samples(reader())[key] == 40
        write_tree(tmp_path, {f"{chip}/temp1_input": "42000\n", f"{chip}/temp2_input": "30000\n"})
        got = samples(reader())
        assert got[key] == 42 and got[("node_hwmon_temp_celsius", (("chip", "coretemp"), ("sensor", "temp2")))] == 30
        shutil.rmtree(tmp_path / chip)  # the driver reloaded: the same name, other sensors
        write_tree(tmp_path, {f"{chip}/name": "coretemp\n", f"{chip}/temp1_input": "50000\n"})
        assert [v for k, v in samples(reader()).items() if k[0] == "node_hwmon_temp_celsius"] == [50]
    finally:
        reader.close()
