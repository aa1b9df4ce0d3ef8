#!/usr/bin/env bash
# Makes sure the headless browser the meter-sim web tests drive is present: Debian's chromium.
# Runs before `npm test`; installs it with apt-get when missing and we are allowed to (root).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "ensure-chromium: installing Debian's chromium for the browser tests (apt-get)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends chromium >&2
  exit 0
fi
echo "ensure-chromium: /usr/bin/chromium is missing; install it (Debian: sudo apt-get install -y chromium) and run the tests again" >&2
exit 1
