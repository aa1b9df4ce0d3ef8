#!/usr/bin/env bash
# Sign one request with Nectar's scheme (nectar-compat §4) and send it with curl: the README's walk-through.
# usage: STS_URL=http://127.0.0.1:8080 STS_KEY=key_… STS_SECRET=… scripts/call.sh METHOD PATH [JSON_BODY]
set -euo pipefail
method=$1 path=$2 body=${3:-}
ctype=application/json
md5=$(printf %s "$body" | openssl dgst -md5 -r | cut -d' ' -f1 | tr a-f A-F)
date=$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')
nonce=$(openssl rand -hex 16)
# SIG = base64 of the lower-case hex HMAC-SHA256 over METHOD PATH(no query) MD5 TYPE DATE NONCE
sig=$(printf %s "$method${path%%\?*}$md5$ctype$date$nonce" | openssl dgst -sha256 -hmac "$STS_SECRET" -r | cut -d' ' -f1 | tr -d '\n' | base64 -w0)
args=(-sS -X "$method" "$STS_URL$path" -H "Authorization: nectar $STS_KEY:$sig" -H "Content-MD5: $md5"
  -H "Content-Type: $ctype" -H "Date: $date" -H "nonce: $nonce")
if [ -n "$body" ]; then args+=(--data-binary "$body"); fi
curl "${args[@]}"
echo
