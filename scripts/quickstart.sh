#!/usr/bin/env bash
# Sets byoc-check up on a fresh machine and runs it on the bundled example image:
#   1. a Docker engine: uses the one that answers; otherwise, on Debian/Ubuntu as root, installs docker.io and starts it
#   2. npm dependencies, which bring Node.js 24 when the system's Node is older than 22, and the build
#   3. the base and fixture images, built locally: no registry is needed
#   4. byoc-check on byoc-check-fixture/reference:latest, a conformant training + inference + processing image
# Safe to run again: each step skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*" >&2; }

ensure_engine() {
  if docker info >/dev/null 2>&1; then return 0; fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "quickstart: no Docker engine answers. Start one (systemctl start docker, or Docker Desktop) and run this again." >&2
    exit 1
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    say "installing the Docker engine (Debian's docker.io)"
    local log=/var/log/byoc-check-apt.log
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=l apt-get install -y -q docker.io; } >"$log" 2>&1 \
      || { tail -20 "$log" >&2; echo "quickstart: installing docker.io failed (full log: $log)" >&2; exit 1; }
  fi
  say "starting dockerd (log: /var/log/byoc-check-dockerd.log)"
  nohup dockerd >/var/log/byoc-check-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "quickstart: dockerd did not come up; see /var/log/byoc-check-dockerd.log" >&2
  exit 1
}

ensure_engine

# tmux: the test suite drives the interactive report in a real terminal.
if ! command -v tmux >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  say "installing tmux (Debian's tmux), for the interactive report's terminal tests"
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=l apt-get install -y -q tmux; } >/var/log/byoc-check-apt.log 2>&1 \
    || { tail -20 /var/log/byoc-check-apt.log >&2; echo "quickstart: installing tmux failed" >&2; exit 1; }
fi

say "installing dependencies and building (npm ci)"
npm ci --no-audit --no-fund --loglevel=error

say "building the base and fixture images"
scripts/build-images.sh

# Sample data for the training and processing jobs; sleep_seconds and REFERENCE_SLEEP_SECONDS keep the reference
# busy long enough for the stop tests to signal it at 1 s. The endpoint serves the model training wrote, and gets
# the sample request.
example=(--channel train=fixtures/data/train@text/csv --hp l2=0.1 --hp sleep_seconds=3 --invalid-hp l2=-1
  --input data=fixtures/data/processing --processing-output result -e REFERENCE_SLEEP_SECONDS=3 --stop-after 1s
  --network-isolation --sample fixtures/data/inference/sample.csv@text/csv --accept application/json)
say "byoc-check ${example[*]} byoc-check-fixture/reference:latest"
status=0
# --no-tui: the script goes on to print what to try next; run it yourself on a terminal for the interactive report.
bin/byoc-check --no-tui "${example[@]}" byoc-check-fixture/reference:latest || status=$?
cat >&2 <<'NEXT'

Next:
  bin/byoc-check byoc-check-fixture/shell-entrypoint:latest    an image built to fail, to see what a finding looks like
  bin/byoc-check -c training --channel train=fixtures/data/train --hp epochs=2 byoc-check-fixture/train-hp-numbers:latest
                                                               a training job that breaks on string hyperparameters
  bin/byoc-check byoc-check-fixture/reference:latest -c processing --input data=fixtures/data/processing
                                                               on a terminal: the interactive report (q quits)
  bin/byoc-check --help                                        every option
  bin/byoc-check -c inference --model fixtures/data/model --sample fixtures/data/inference/sample.csv@text/csv \
      byoc-check-fixture/serve-slow-ping:latest                a server whose /ping waits behind its predictions
  npm test                                                     the test suite (unit and integration, real Docker)
NEXT
exit "$status"
