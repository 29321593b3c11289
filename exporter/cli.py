"""Command line: serve (default), check-config, scan, render-rules.

Bad usage or configuration prints one line on stderr and exits with 2;
never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence

from exporter import __version__, service_install, tuning
from exporter.alerting import rules
from exporter.config import DEFAULT_LISTEN, Config, ConfigError, load_config, parse_listen
from exporter.dirsize import cli as dirsize_cli
from exporter.history import HistoryError
from exporter.log_format import configure_logging

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but errors are one line and exit 2 (argparse's default is a usage block)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sysmon-exporter",
        description="Linux System Monitor: Prometheus exporter and web dashboard for this host.",
    )
    parser.add_argument("--version", action="version", version=f"sysmon-exporter {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    serve = sub.add_parser("serve", help="serve /metrics, /data and the page (the default command)")
    _add_serve_args(serve)

    check = sub.add_parser("check-config", help="validate a configuration file and exit")
    check.add_argument("file", help="YAML configuration file")

    dirsize_cli.add_parser(sub)
    rules.add_parser(sub)
    service_install.add_parser(sub)
    return parser


def _add_serve_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--listen", metavar="HOST:PORT", help=f"address to listen on (default {DEFAULT_LISTEN})")
    p.add_argument("--config", metavar="FILE", help="YAML configuration file (default: built-in defaults)")
    p.add_argument("--data-dir", metavar="DIR", help="where the history database lives")
    p.add_argument("--no-history", action="store_true", help="do not record history in SQLite")
    p.add_argument("--reset-history", action="store_true",
                   help="move an unreadable history database aside (never deleted) and start a new one")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])


def _serve(args: argparse.Namespace) -> int:
    configure_logging(args.log_level, sys.stderr)  # journald-friendly when not on a terminal
    return serve(_config_from_args(args), reset_history=args.reset_history,
                 reload=(lambda: _config_from_args(args)) if args.config else None)


def _config_from_args(args: argparse.Namespace) -> Config:
    """The file's configuration with the command line's overrides (also on SIGHUP)."""
    import dataclasses

    config = load_config(args.config)
    if args.listen:
        try:
            parse_listen(args.listen)
        except ValueError as e:
            raise ConfigError(f"--listen: {e}") from None
        config = dataclasses.replace(config, web=dataclasses.replace(config.web, listen=args.listen))
    if args.data_dir:
        config = dataclasses.replace(config, data_dir=args.data_dir)
    if args.no_history:
        config = dataclasses.replace(config, history=dataclasses.replace(config.history, enabled=False))
    return config


def needs_tls(config: Config) -> bool:
    """A TLS listener or an https receiver of alerts: what OpenSSL is loaded for (tuning.leave_out_openssl)."""
    targets = (*config.alerts.notify.alertmanagers, *config.alerts.notify.webhooks)
    return bool(config.web.tls_cert_file) or any(t.url.startswith("https://") for t in targets)


def serve(config: Config, *, reset_history: bool = False, reload: Callable[[], Config] | None = None) -> int:
    tuning.leave_out_openssl(needs_tls(config))  # before the web stack is imported
    from exporter.history import open_history
    from exporter.runtime import build_runtime
    from exporter.web.app import create_app
    from exporter.web.server import Lifecycle, make_server

    log = logging.getLogger("exporter")
    started = time.monotonic()
    life = Lifecycle()
    life.install()  # before the port opens: SIGTERM at any moment exits 0, SIGHUP never kills
    tuning.limit_malloc_arenas()
    tuning.raise_fd_limit()  # before the process reader sizes its descriptor budget from it
    runtime = build_runtime(config, history=open_history(config, reset=reset_history))
    app = create_app(runtime)
    try:
        server = make_server(app, config.web)
        server.prepare()  # binds now, so a busy port is reported before anything starts
    except OSError as e:
        raise ConfigError(f"cannot listen on {config.web.listen}: {e.strerror or e}") from None
    if runtime.dirsize is not None:
        runtime.dirsize.after_scan = tuning.malloc_trim()
    runtime.start()
    trimmer = tuning.HeapTrimmer(60.0).start()
    scheme = "https" if config.web.tls_cert_file else "http"
    host, port = parse_listen(config.web.listen)
    shown = f"[{host}]" if ":" in host else host
    log.info("sysmon-exporter %s listening on %s://%s:%d (ready in %.2fs)", __version__, scheme, shown,
             server.bind_addr[1] if isinstance(server.bind_addr, tuple) else port, time.monotonic() - started)
    if os.geteuid() == 0:
        log.warning("running as root, which is not needed: see docs/security.md (least privilege: a dedicated "
                    "user with CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE)")
    if config.web.basic_auth_users and not config.web.tls_cert_file:
        log.warning("basic auth is on without TLS: passwords cross the network in clear text")
    if reload is not None:
        from exporter.reload import Reloader

        life.on_reload = Reloader(reload, config, app)
    else:
        life.on_reload = lambda: log.info("SIGHUP: no --config file to re-read; nothing changed")
    try:
        life.serve(server)
    finally:
        trimmer.stop()
        runtime.stop()
        log.info("stopped")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["serve", *argv]
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "check-config":
            config = load_config(args.file)
            print(f"{args.file}: OK ({len(config.alerts.items())} thresholds, "
                  f"{len(config.dirsize.roots)} scan root(s))")
            return 0
        return int(args.run(args))
    except ConfigError as e:
        print(f"sysmon-exporter: {e}", file=sys.stderr)
        return EXIT_USAGE
    except HistoryError as e:
        print(f"sysmon-exporter: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
