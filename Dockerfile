# The sysmon exporter image: python:3.11-slim, the project pip-installed, a non-root user.
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

# --- front-end libraries (uPlot), pinned in package-lock.json, served by the app itself ----
FROM node:20-bookworm-slim AS vendor
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# --- the exporter ----------------------------------------------------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY exporter ./exporter
COPY --from=vendor /build/node_modules/uplot/dist/uPlot.iife.min.js /build/node_modules/uplot/dist/uPlot.min.css \
     ./exporter/web/static/vendor/
RUN pip install . \
 && cd / && rm -rf /src \
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
