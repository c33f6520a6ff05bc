#!/usr/bin/env bash
# Scan speed: a generated nginx tree of many servers (includes, upstreams, redirects), the
# crossplane corpora, and the bundled examples. Prints wall time per run (best of 3) and the
# input size. Usage: bash benches/scan.sh [SERVERS]   (default 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
servers="${1:-5000}"
cargo build --release --quiet
bin=target/release/tlsproof
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/large/sites"
cat > "$work/large/nginx.conf" <<'CONF'
events {}
http {
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers HIGH:!aNULL:!MD5;
    include sites/*.conf;
}
CONF
for i in $(seq 1 "$servers"); do
    cat > "$work/large/sites/site$i.conf" <<CONF
upstream app$i { server 10.0.$((i / 250)).$((i % 250)):8000; }
server {
    listen 80;
    server_name s$i.example.com;
    return 301 https://\$host\$request_uri;
}
server {
    listen 443 ssl;
    server_name s$i.example.com;
    ssl_certificate /etc/tls/s$i.pem;
    ssl_certificate_key /etc/tls/s$i.key;
    add_header Strict-Transport-Security "max-age=63072000" always;
    location / { proxy_pass http://app$i; }
    location /mcp { proxy_pass https://mcp$i.internal:9443; proxy_ssl_verify on; }
}
CONF
done

best() {
    local label="$1"; shift
    printf '%-40s %8d ms\n' "$label" "$(best_ms "$@")"
}

size=$(du -sh "$work/large" | cut -f1)
echo "input: $servers sites ($((servers * 2)) server blocks, $size)"
best "generated tree, json" "$bin" scan --format json "$work/large"
best "generated tree, evidence bundle" "$bin" evidence "$work/large" --out "$work/bundle" --force
if [ -d tests/corpora/nginx-go-crossplane ]; then
    best "nginx-go-crossplane (all folders)" "$bin" scan --format json tests/corpora/nginx-go-crossplane
fi
best "examples/" "$bin" scan examples
