#!/usr/bin/env bash
# Makes sure the programs the tests drive are present: Debian's chromium (the web-page tests), GNU time
# (peak memory of a CLI run) and PostgreSQL 15 (the service's shared store; the tests start a private
# cluster of their own). Runs before `npm test`; installs what is missing with apt-get (as root).
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/time ] || missing+=(time)
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "ensure-test-tools: installing Debian's ${missing[*]} for the tests (apt-get)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  exit 0
fi
echo "ensure-test-tools: missing ${missing[*]}; install (Debian: sudo apt-get install -y ${missing[*]}) and run the tests again" >&2
exit 1
