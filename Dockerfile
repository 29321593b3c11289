# The sysmon exporter image: python:3.11-slim, the project's wheel installed, a non-root user.
#
#   docker build -t sysmon-exporter .
#   docker run -d --pid=host -p 127.0.0.1:9877:9877 \
#     -v /:/host:ro,rslave -v /proc:/host/proc:ro -v /sys:/host/sys:ro sysmon-exporter
#
# It reads the host through /host (root_prefix: /host in docker/exporter.yml, like node_exporter's
# --path.rootfs). As an unprivileged user it sees every process's name, CPU time, memory and
# owner (world-readable /proc/PID/stat, statm, status), but not other users' /proc/PID details
# that need root or CAP_SYS_PTRACE (exe, I/O counters, open files) nor directories it may not
# read for the directory-size scans. For those, run it as root: `user: "0:0"` in
# docker-compose.yml (docker run --user 0:0); the mounts stay read-only.

# --- the wheel, built like `make dist`: setup.py's hook runs `npm ci` (uPlot at the version
# pinned in package-lock.json, from the npm registry) and puts the assets into the wheel ----
FROM node:20-bookworm-slim AS node
FROM python:3.11-slim AS wheel
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && pip install --no-cache-dir "setuptools>=77"
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md package.json package-lock.json ./
COPY exporter ./exporter
RUN pip wheel --no-cache-dir --no-deps --no-build-isolation -w /dist .

# --- the exporter: the wheel alone, no npm, no source tree ---------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

COPY --from=wheel /dist /dist
RUN pip install /dist/*.whl \
 && rm -rf /dist \
 && mkdir -p /etc/sysmon-exporter /var/lib/sysmon-exporter \
 && chown 10001:10001 /var/lib/sysmon-exporter

COPY docker/exporter.yml /etc/sysmon-exporter/config.yml

# A numeric user, so it also works when the host's /etc/passwd is mounted over the image's
# (for host user names in the process tables).
USER 10001:10001
WORKDIR /var/lib/sysmon-exporter
EXPOSE 9877

HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9877/healthz', timeout=4)"]

ENTRYPOINT ["sysmon-exporter"]
CMD ["serve", "--config", "/etc/sysmon-exporter/config.yml"]
