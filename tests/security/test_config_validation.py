"""Configuration files that used to pass or crash (issue 16, cases 6 and 7, TLS key modes):
each is one line on stderr naming the problem, exit 2, through the real entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from exporter.config import ConfigError, DirSizeConfig, load_config
from tests.support.servers import REPO

GOOD_HASH = "$2b$04$" + "a" * 53


def check_config(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "exporter", "check-config", str(path)], cwd=REPO,
                          capture_output=True, text=True, timeout=30)


@pytest.mark.integration
@pytest.mark.parametrize(("name", "content", "expected"), [
    ("not UTF-8", b"web:\n  listen: \xff\xfe127.0.0.1:1\n", "not valid UTF-8 (byte 0xff at line 2)"),
    ("infinite duration", b"history:\n  sample_interval: .inf\n", "history.sample_interval: a duration must be"),
    ("nan duration", b"dirsize:\n  time_limit: .nan\n", "dirsize.time_limit: a duration must be"),
    ("duplicate key", b"web:\n  threads: 4\n  threads: 8\n", "duplicate key 'threads' (first at line 2)"),
    ("duplicate section", b"web: {}\nalerts: {}\nweb: {}\n", "duplicate key 'web'"),
    ("malformed hash", b"web:\n  basic_auth_users:\n    u: $2b$12$not-a-real-hash\n",
     "web.basic_auth_users.u: expected a bcrypt hash"),
    ("hash cost out of range", ("web:\n  basic_auth_users:\n    u: '$2b$99$" + "a" * 53 + "'\n").encode(),
     "web.basic_auth_users.u: expected a bcrypt hash"),
])
def test_bad_files_are_one_line_and_exit_2(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    f = tmp_path / "c.yml"
    f.write_bytes(content)
    r = check_config(f)
    assert r.returncode == 2, (name, r.stdout, r.stderr)
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert expected in r.stderr, r.stderr


def test_a_good_hash_passes(tmp_path: Path) -> None:
    f = tmp_path / "c.yml"
    f.write_text(f"web:\n  basic_auth_users:\n    u: '{GOOD_HASH}'\n")
    assert load_config(f).web.basic_auth_users == {"u": GOOD_HASH}


@pytest.mark.parametrize(("mode", "ok"), [(0o600, True), (0o640, True), (0o644, False), (0o604, False)])
def test_a_world_readable_tls_key_is_refused(tmp_path: Path, mode: int, ok: bool) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("x")
    key.write_text("x")
    key.chmod(mode)
    f = tmp_path / "c.yml"
    f.write_text(f"web:\n  tls_cert_file: {cert}\n  tls_key_file: {key}\n")
    if ok:
        load_config(f)
        return
    with pytest.raises(ConfigError) as e:
        load_config(f)
    assert "web.tls_key_file" in str(e.value) and "readable by every user" in str(e.value)
    assert f"chmod o-rwx {key}" in str(e.value)


def test_the_default_scan_root_is_the_home_of_a_normal_user_and_none_for_root(monkeypatch: pytest.MonkeyPatch,
                                                                            tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert DirSizeConfig().resolved_roots() == (tmp_path.resolve(),)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert DirSizeConfig().resolved_roots() == ()  # no /root listing for whoever reaches the port
    assert DirSizeConfig(roots=("/srv",)).resolved_roots() == (Path("/srv").resolve(),)  # unless configured
