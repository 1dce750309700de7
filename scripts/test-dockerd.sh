#!/usr/bin/env bash
# A private docker daemon for the sandbox tests, on machines with no systemd and
# no registry: `start DIR` runs Debian's dockerd with its own data root, exec
# root, pidfile and socket under DIR, with no bridge and no firewall changes,
# then builds a small test image (busybox-static + the host's python3 and bash
# with their libraries) with `docker import`. It prints the variables to export.
# `stop DIR` ends that daemon by its pid. Never --privileged (root lacks
# CAP_SYS_RESOURCE here), never touches another daemon.
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}
sock="unix://$dir/docker.sock"
image="computeswarm-sandbox-test:1"

# Shared libraries the given binaries load (ldd's "x => /path" and bare "/path" lines).
libraries_of() {
  ldd "$@" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $1 !~ /:$/ {print $1}' | sort -u
}

case "$cmd" in
start)
  mkdir -p "$dir/data" "$dir/exec"
  dockerd --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" -H "$sock" \
    --bridge=none --iptables=false --ip6tables=false --ip-forward=false >"$dir/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do
    DOCKER_HOST="$sock" docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  DOCKER_HOST="$sock" docker info >/dev/null 2>&1 || {
    echo "dockerd did not come up; its log:" >&2
    tail -20 "$dir/dockerd.log" >&2
    exit 1
  }
  root="$dir/rootfs"
  rm -rf "$root"
  mkdir -p "$root/bin" "$root/usr/bin" "$root/tmp" "$root/work" "$root/etc" "$root/proc" "$root/dev" "$root/sys"
  cp /usr/bin/busybox "$root/bin/busybox"
  for tool in sh ls cat id sleep setsid ps kill head tail wc echo true env mkdir rm; do
    ln -sf busybox "$root/bin/$tool"
  done
  python="$(readlink -f /usr/bin/python3)"
  cp "$python" "$root/usr/bin/python3"
  cp /usr/bin/bash "$root/usr/bin/bash"
  ln -sf ../usr/bin/bash "$root/bin/bash"
  for lib in $(libraries_of "$python" /usr/bin/bash); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  pyver="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
  mkdir -p "$root/usr/lib/python$pyver"
  # The standard library without tests and caches; lib-dynload holds the C modules (socket, ...).
  tar -C "/usr/lib/python$pyver" --exclude=test --exclude=__pycache__ --exclude=idlelib --exclude=tkinter \
    --exclude=ensurepip --exclude=site-packages --exclude=dist-packages -cf - . | tar -C "$root/usr/lib/python$pyver" -xf -
  for lib in $(libraries_of "/usr/lib/python$pyver"/lib-dynload/*.so); do
    [ -e "$root$lib" ] || { mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib"; }
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/work:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  tar -C "$root" -cf - . | DOCKER_HOST="$sock" docker import - "$image" >/dev/null
  rm -rf "$root"
  id="$(DOCKER_HOST="$sock" docker image inspect --format '{{.Id}}' "$image")"
  echo "export DOCKER_HOST=$sock"
  echo "export COMPUTESWARM_TEST_IMAGE=$image@$id"
  ;;
stop)
  if [ -f "$dir/dockerd.pid" ]; then
    pid="$(cat "$dir/dockerd.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 2
  ;;
esac
