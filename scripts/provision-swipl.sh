#!/usr/bin/env bash
# SWI-Prolog, the reference TensorLogic's answers and timings are compared with, unpacked into .tools/swipl from
# Debian's packages (apt-get download + dpkg -x: no root, nothing written outside the repo). Sourced by
# scripts/provision.sh for `./run test` and `./run bench`; exports SWIPL=<path of a wrapper script>.
# A machine without apt gets no SWIPL, and the SWI agreement tests say so and fail.
set -euo pipefail
SWI_DIR="$TOOLS/swipl"
if [ ! -x "$SWI_DIR/swipl" ] && command -v apt-get >/dev/null && command -v dpkg >/dev/null; then
  echo "provision: unpacking SWI-Prolog (Debian swi-prolog-nox) into .tools/swipl" >&2
  rm -rf "$SWI_DIR.tmp" && mkdir -p "$SWI_DIR.tmp/debs"
  if (cd "$SWI_DIR.tmp/debs" && apt-get download -q swi-prolog-core libtcmalloc-minimal4 >/dev/null 2>&1); then
    for deb in "$SWI_DIR.tmp/debs"/*.deb; do dpkg -x "$deb" "$SWI_DIR.tmp/root"; done
    cat >"$SWI_DIR.tmp/swipl" <<'WRAP'
#!/usr/bin/env bash
here="$(cd "$(dirname "$0")" && pwd)"
export SWI_HOME_DIR="$here/root/usr/lib/swi-prolog"
export LD_LIBRARY_PATH="$here/root/usr/lib/x86_64-linux-gnu:$here/root/usr/lib/swi-prolog/lib/x86_64-linux${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec "$SWI_HOME_DIR/bin/x86_64-linux/swipl" "$@"
WRAP
    chmod +x "$SWI_DIR.tmp/swipl"
    rm -rf "$SWI_DIR.tmp/debs" "$SWI_DIR" && mv "$SWI_DIR.tmp" "$SWI_DIR"
  else
    echo "provision: could not download SWI-Prolog from Debian's packages; SWI agreement tests will fail" >&2
    rm -rf "$SWI_DIR.tmp"
  fi
fi
if [ -x "$SWI_DIR/swipl" ]; then export SWIPL="$SWI_DIR/swipl"; fi
