#!/usr/bin/env bash
# Probe speed: one loopback server (openssl s_server, OpenSSL 3 defaults, a self-signed
# certificate trusted with --ca-file), probed with every test by tlsproof, and the same
# server scanned by sslscan and testssl.sh (its protocol run and its full run). Prints the
# wall time of each (best of 3) and each tool's time as a multiple of tlsproof's, and the
# protocol versions each one found, which must agree.
# Usage: bash benches/probe.sh   (needs openssl, sslscan and testssl.sh on the PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
cargo build --release --quiet
bin="$PWD/target/release/tlsproof"
work="$(mktemp -d)"
cleanup() { [ -n "${server:-}" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

cd "$work"
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 30 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert cert.pem -key key.pem >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

testssl=$(command -v testssl || command -v testssl.sh)

ours=$(best_ms "$bin" probe "https://localhost:$port/" --connect-to "localhost:$port:127.0.0.1:$port" --ca-file cert.pem)
sslscan_ms=$(best_ms sslscan --no-colour "127.0.0.1:$port")
protocols_ms=$(best_ms "$testssl" --quiet --protocols --warnings off "127.0.0.1:$port")
full_ms=$(best_ms "$testssl" --quiet --warnings off "127.0.0.1:$port")

ratio() { python3 -c "print(f'{$1 / max($2, 1):.1f}x')"; }
printf '%-36s %8s ms\n' "tlsproof probe (all tests)" "$ours"
printf '%-36s %8s ms  %s\n' "sslscan" "$sslscan_ms" "$(ratio "$sslscan_ms" "$ours")"
printf '%-36s %8s ms  %s\n' "testssl.sh --protocols" "$protocols_ms" "$(ratio "$protocols_ms" "$ours")"
printf '%-36s %8s ms  %s\n' "testssl.sh (full run)" "$full_ms" "$(ratio "$full_ms" "$ours")"

echo
echo "protocol versions accepted:"
echo "  tlsproof: $("$bin" probe "https://localhost:$port/" --connect-to "localhost:$port:127.0.0.1:$port" --ca-file cert.pem | awk '$2 ~ /^(ssl3|tls1\.[01])-rejected$/ {print $2, $1}' | tr '\n' ' ')"
echo "  sslscan:  $(sslscan --no-colour --no-ciphersuites "127.0.0.1:$port" | awk '$1 ~ /^(SSLv[23]|TLSv1\.[0-3])$/ && ($2 == "enabled" || $2 == "disabled") {print $1, $2}' | tr '\n' ' ')"
echo
echo "suites accepted (all versions):"
echo "  tlsproof: $("$bin" probe --format json "https://localhost:$port/" --connect-to "localhost:$port:127.0.0.1:$port" --ca-file cert.pem | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["probes"][0].get("accepted_suites", [])))')"
echo "  sslscan:  $(sslscan --no-colour "127.0.0.1:$port" | grep -cE '^(Preferred|Accepted) ')"
