#!/usr/bin/env bash
# Builds the images byoc-check's example and tests use, with no registry (none is reachable here):
#   byoc-check/busybox:latest         FROM scratch + the host's busybox-static
#   byoc-check/debian:bookworm        a debootstrap minbase of Debian bookworm, imported
#   byoc-check/python:bookworm        that + Debian's python3 + minijob.py, from fixtures/bases/python/
#   byoc-check-fixture/<name>:latest  one per fixtures/images/<name>/Dockerfile
# Bases are built once and cached by tag (the python base also by a hash of its files, so an edit rebuilds it);
# fixtures always go through `docker build`, whose layer cache makes an unchanged fixture take well under a second.
#
# usage: scripts/build-images.sh [--bases] [FIXTURE ...]
#   --bases     build only the base images
#   FIXTURE     build only these fixtures (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'build-images: %s\n' "$*" >&2; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

need_package() { # command package
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    log "needs $1 (Debian package $2): install it and run again"; exit 1
  fi
  log "installing $2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }
}

build_busybox_base() {
  have_image byoc-check/busybox:latest && return 0
  need_package busybox busybox-static
  local ctx; ctx=$(mktemp -d); trap 'rm -rf "$ctx"' RETURN
  cp "$(command -v busybox)" "$ctx/busybox"
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /etc /tmp /root /usr/bin && ln -s /bin/env /usr/bin/env && chmod 1777 /tmp && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd && echo 'root:x:0:' > /etc/group
DOCKERFILE
  log "building byoc-check/busybox:latest"
  local out
  out=$(docker build -q --force-rm -t byoc-check/busybox:latest "$ctx" 2>&1) || { printf "%s\n" "$out" >&2; exit 1; }
}

build_debian_base() {
  have_image byoc-check/debian:bookworm && return 0
  need_package debootstrap debootstrap
  local root; root=$(mktemp -d); trap 'rm -rf "$root"' RETURN
  log "debootstrap bookworm (about a minute)"
  debootstrap --variant=minbase bookworm "$root/rootfs" >"$root/debootstrap.log" 2>&1 \
    || { tail -20 "$root/debootstrap.log" >&2; exit 1; }
  tar -C "$root/rootfs" -c . | docker import - byoc-check/debian:bookworm >/dev/null
  log "imported byoc-check/debian:bookworm"
}

build_python_base() {
  local ctx=fixtures/bases/python hash id
  hash=$(cat "$ctx/Dockerfile" "$ctx/minijob.py" "$ctx/miniserve.py" | sha256sum | cut -c1-12)
  id=$(docker image inspect -f '{{.Id}}' "byoc-check/python:bookworm-$hash" 2>/dev/null || true)
  [ -n "$id" ] && [ "$id" = "$(docker image inspect -f '{{.Id}}' byoc-check/python:bookworm 2>/dev/null)" ] && return 0
  log "building byoc-check/python:bookworm (Debian's python3: under a minute the first time)"
  local out
  out=$(docker build -q --force-rm -t byoc-check/python:bookworm -t "byoc-check/python:bookworm-$hash" "$ctx" 2>&1) \
    || { printf '%s\n' "$out" >&2; exit 1; }
  local tag
  for tag in $(docker images --format '{{.Tag}}' byoc-check/python); do
    case "$tag" in bookworm|"bookworm-$hash") ;; bookworm-*) docker rmi "byoc-check/python:$tag" >/dev/null ;; esac
  done
}

build_fixture() {
  local dir="fixtures/images/$1" platform=()
  [ -f "$dir/Dockerfile" ] || { log "no fixture $1"; exit 1; }
  [ -f "$dir/platform" ] && platform=(--platform "$(cat "$dir/platform")")
  # Native libraries the fixture ships (fixtures/libs/build.sh), built into its context: nvcc and gcc run here.
  if [ -f "$dir/libs" ]; then
    # shellcheck disable=SC2046
    fixtures/libs/build.sh "$dir/.build" $(cat "$dir/libs") || { log "fixture $1: building its libraries failed"; exit 1; }
  fi
  local out
  if ! out=$(docker build -q --force-rm "${platform[@]}" -t "byoc-check-fixture/$1:latest" "$dir" 2>&1); then
    log "fixture $1 failed to build:"; printf '%s\n' "$out" >&2; exit 1
  fi
}

bases_only=0
fixtures=()
for arg in "$@"; do
  case "$arg" in
    --bases) bases_only=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) fixtures+=("$arg") ;;
  esac
done

docker info >/dev/null 2>&1 || { log "the Docker engine is not reachable (scripts/setup.sh starts one)"; exit 1; }
build_busybox_base
build_debian_base
build_python_base
[ "$bases_only" = 1 ] && exit 0
if [ ${#fixtures[@]} -eq 0 ]; then
  for d in fixtures/images/*/; do fixtures+=("$(basename "$d")"); done
fi
start=$SECONDS
for f in "${fixtures[@]}"; do build_fixture "$f"; done
log "built ${#fixtures[@]} fixture image(s) in $((SECONDS - start)) s"
