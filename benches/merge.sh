#!/usr/bin/env bash
# Merging at organization scale: BUNDLES evidence bundles, one per generated repository (an
# nginx tree of a TLS site and its plaintext redirect, named with --repository), written by
# `tlsproof evidence` on all cores, then merged into one organization record by
# `tlsproof merge` for a quarter, a half and all of them: wall time and peak memory of the
# whole process (best of 3), and the time per bundle, which stays flat when the merge is linear.
# Usage: bash benches/merge.sh [BUNDLES]   (default 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
bundles="${1:-1000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/tlsproof"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# shellcheck source=benches/lib.sh
. benches/lib.sh

row() { printf '%-36s %9s s %7s MB   %s\n' "$@"; }

# The repositories: repo-I/nginx.conf, a TLS site and its redirect.
python3 - "$bundles" "$work/repos" <<'PY'
import os, sys
n, root = int(sys.argv[1]), sys.argv[2]
for i in range(n):
    os.makedirs(f"{root}/repo-{i}", exist_ok=True)
    with open(f"{root}/repo-{i}/nginx.conf", "w") as f:
        f.write(f"""events {{}}
http {{
    ssl_protocols TLSv1.2 TLSv1.3;
    server {{
        listen 80;
        server_name mcp{i}.example.com;
        return 301 https://$host$request_uri;
    }}
    server {{
        listen 443 ssl;
        server_name mcp{i}.example.com;
        ssl_certificate /etc/tls/mcp{i}.pem;
        location /mcp {{ proxy_pass https://mcp{i}.internal:9443; proxy_ssl_verify on; }}
    }}
}}
""")
PY

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo); $("$bin" --version | head -n 1)"
t0=$(date +%s%N)
seq 0 $((bundles - 1)) | xargs -P "$(nproc)" -I{} \
    sh -c '"$0" evidence "$1/repos/repo-$2" --repository "acme/repo-$2" --out "$1/bundles/repo-$2" --at 2026-12-01T00:00:00Z >/dev/null || [ $? -eq 1 ]' \
    "$bin" "$work" {}
t1=$(date +%s%N)
echo "bundles: $bundles written by tlsproof evidence in $(( (t1 - t0) / 1000000 )) ms, $(du -sh "$work/bundles" | cut -f1)"

per_bundle() { awk "BEGIN{ printf \"%.2f ms per bundle\", $1 * 1000 / $2 }"; }
for n in $((bundles / 4)) $((bundles / 2)) "$bundles"; do
    [ "$n" -gt 0 ] || continue
    list=()
    for i in $(seq 0 $((n - 1))); do list+=("$work/bundles/repo-$i"); done
    read -r m_s m_mb < <(measure "$bin" merge "${list[@]}" --out "$work/merged-$n" --force)
    row "tlsproof merge, $n bundles" "$m_s" "$m_mb" "$(per_bundle "$m_s" "$n")"
done
