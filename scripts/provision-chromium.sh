#!/usr/bin/env bash
# Debian's Chromium, which the web UI's browser tests drive (playwright-core, executablePath; no browser download from
# anywhere else). As root (CI runs as root on a fresh Debian machine): `apt-get install -y chromium`. Otherwise the
# package and the libraries it needs that the machine lacks are unpacked into .tools/chromium (apt-get download +
# dpkg -x: nothing written outside the repo). Sourced by scripts/provision.sh; exports CHROMIUM=<path>.
# A machine without apt gets no CHROMIUM, and the browser tests say so and fail.
set -euo pipefail
CHROMIUM_DIR="$TOOLS/chromium"
if [ -x "$CHROMIUM_DIR/chromium" ]; then
  export CHROMIUM="$CHROMIUM_DIR/chromium"
elif command -v chromium >/dev/null; then
  export CHROMIUM="$(command -v chromium)"
elif command -v apt-get >/dev/null && command -v dpkg >/dev/null; then
  if [ "$(id -u)" = 0 ] && [ -z "${IPFRS_CHROMIUM_UNPACK:-}" ]; then
    echo "provision: apt-get install chromium" >&2
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; then
      apt-get update -q >/dev/null 2>&1 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 ||
        echo "provision: could not install chromium; the web UI's browser tests will fail" >&2
    fi
    if command -v chromium >/dev/null; then export CHROMIUM="$(command -v chromium)"; fi
  else
    echo "provision: unpacking Chromium (Debian chromium) into .tools/chromium" >&2
    rm -rf "$CHROMIUM_DIR.tmp" && mkdir -p "$CHROMIUM_DIR.tmp/debs"
    # chromium and every library package it pulls in that this machine does not have installed
    needed="chromium chromium-common "$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
      --no-enhances --no-pre-depends chromium 2>/dev/null | grep -E '^[a-z0-9]' | sort -u |
      grep -vxE 'chromium|chromium-common' | while read -r pkg; do dpkg -s "$pkg" >/dev/null 2>&1 || echo "$pkg"; done)
    # shellcheck disable=SC2086
    if (cd "$CHROMIUM_DIR.tmp/debs" && apt-get download -q $needed >/dev/null 2>&1); then
      for deb in "$CHROMIUM_DIR.tmp/debs"/*.deb; do dpkg -x "$deb" "$CHROMIUM_DIR.tmp/root"; done
      cat >"$CHROMIUM_DIR.tmp/chromium" <<'WRAP'
#!/usr/bin/env bash
here="$(cd "$(dirname "$0")" && pwd)"
export LD_LIBRARY_PATH="$here/root/usr/lib/x86_64-linux-gnu:$here/root/lib/x86_64-linux-gnu:$here/root/usr/lib/chromium${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec "$here/root/usr/lib/chromium/chromium" "$@"
WRAP
      chmod +x "$CHROMIUM_DIR.tmp/chromium"
      rm -rf "$CHROMIUM_DIR.tmp/debs" "$CHROMIUM_DIR" && mv "$CHROMIUM_DIR.tmp" "$CHROMIUM_DIR"
      export CHROMIUM="$CHROMIUM_DIR/chromium"
    else
      echo "provision: could not download Chromium from Debian's packages; the web UI's browser tests will fail" >&2
      rm -rf "$CHROMIUM_DIR.tmp"
    fi
  fi
fi
