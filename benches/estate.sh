#!/usr/bin/env bash
# Estate scale, side by side with the tools users know, in one run: wall time and peak memory
# of the whole process (best of 3), printed with the ratio to the anchor measured in the same
# run.
#   nginx: a generated tree of SERVERS server blocks (half TLS sites, half port-80 redirects,
#          100 per file) — tlsproof scan vs crossplane parse (PyPI crossplane, the parse alone);
#   Kubernetes: MANIFESTS generated manifests — tlsproof scan vs Checkov (PyPI checkov);
#   claims: CLAIMS localhost exception claims over the nginx tree.
# The anchors are installed, pinned, into a virtual environment under ~/.cache/tlsproof/bench.
# Usage: bash benches/estate.sh [SERVERS] [MANIFESTS] [CLAIMS]   (default 10000 2000 100000)
#        ANCHORS=0 bash benches/estate.sh …   skips crossplane and Checkov.
set -euo pipefail
cd "$(dirname "$0")/.."
servers="${1:-10000}"
manifests="${2:-2000}"
claims="${3:-100000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/tlsproof"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

venv="${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/tlsproof/bench"
if [ "${ANCHORS:-1}" = 1 ] && ! "$venv/bin/python" -c 'import crossplane, checkov' >/dev/null 2>&1; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check crossplane==0.5.8 checkov==3.3.30
fi

# shellcheck source=benches/lib.sh
. benches/lib.sh

row() { printf '%-44s %9s s %7s MB   %s\n' "$@"; }
# `ratio ANCHOR_S TLSPROOF_S NAME`: how many times faster (or slower) tlsproof ran than NAME.
ratio() {
    awk "BEGIN{ if ($2 <= 0 || $1 <= 0) exit;
        if ($1 >= $2) printf \"%.1fx faster than %s\", $1 / $2, \"$3\";
        else printf \"%.1fx slower than %s\", $2 / $1, \"$3\"; }"
}

# The nginx tree: SERVERS/2 sites, each a redirect and a TLS server, 50 sites per file.
python3 - "$servers" "$work/nginx" <<'PY'
import os, sys
n, root = int(sys.argv[1]) // 2, sys.argv[2]
os.makedirs(f"{root}/sites", exist_ok=True)
with open(f"{root}/nginx.conf", "w") as f:
    f.write("events {}\nhttp {\n    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_ciphers HIGH:!aNULL:!MD5;\n    include sites/*.conf;\n}\n")
for start in range(0, n, 50):
    with open(f"{root}/sites/s{start}.conf", "w") as f:
        for i in range(start, min(n, start + 50)):
            f.write(f"""upstream app{i} {{ server 10.0.{i // 250 % 250}.{i % 250}:8000; }}
server {{
    listen 80;
    server_name s{i}.example.com;
    return 301 https://$host$request_uri;
}}
server {{
    listen 443 ssl;
    server_name s{i}.example.com;
    ssl_certificate /etc/tls/s{i}.pem;
    ssl_certificate_key /etc/tls/s{i}.key;
    add_header Strict-Transport-Security "max-age=63072000" always;
    location / {{ proxy_pass http://app{i}; }}
    location /mcp {{ proxy_pass https://mcp{i}.internal:9443; proxy_ssl_verify on; }}
}}
""")
PY

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo); $("$bin" --version | head -n 1)"
echo "nginx: $servers server blocks, $(du -sh "$work/nginx" | cut -f1)"
read -r t_s t_mb < <(measure "$bin" scan --format json "$work/nginx")
row "tlsproof scan --format json" "$t_s" "$t_mb"
if [ "${ANCHORS:-1}" = 1 ]; then
    read -r c_s c_mb < <(measure "$venv/bin/crossplane" parse "$work/nginx/nginx.conf")
    row "crossplane parse (0.5.8)" "$c_s" "$c_mb" "$(ratio "$c_s" "$t_s" "crossplane")"
fi

# Claims: CLAIMS localhost claims, each scoped to one site file.
python3 - "$claims" "$servers" "$work/nginx/tlsproof-exceptions.yaml" <<'PY'
import sys
n, servers, out = int(sys.argv[1]), int(sys.argv[2]) // 2, sys.argv[3]
with open(out, "w") as f:
    f.write("exceptions:\n")
    for i in range(n):
        f.write(f"""  - id: EXC-{i}
    kind: localhost
    scope: {{ file: sites/s{(i % max(servers, 1)) // 50 * 50}.conf, endpoint: s{i % max(servers, 1)}.example.com }}
    justification: operators only
    owner: platform-team
    approver: ciso@example.com
    created: 2026-11-01
    expires: 2027-10-31
""")
PY
read -r e_s e_mb < <(measure "$bin" scan --format json --at 2026-12-01T00:00:00Z "$work/nginx")
row "tlsproof scan, $claims claims" "$e_s" "$e_mb" \
    "$(awk "BEGIN{ printf \"the claims: %.2f s more than the scan without them\", $e_s - $t_s }")"
rm "$work/nginx/tlsproof-exceptions.yaml"

# Kubernetes: MANIFESTS manifests, one per file (Deployments, Services, Ingresses).
python3 - "$manifests" "$work/k8s" <<'PY'
import os, sys
n, root = int(sys.argv[1]), sys.argv[2]
os.makedirs(root, exist_ok=True)
for i in range(n):
    kind = i % 3
    k = i // 3
    with open(f"{root}/m{i}.yaml", "w") as f:
        if kind == 0:
            f.write(f"""apiVersion: apps/v1
kind: Deployment
metadata: {{ name: mcp{k}, namespace: mcp }}
spec:
  selector: {{ matchLabels: {{ app: mcp{k} }} }}
  template:
    metadata: {{ labels: {{ app: mcp{k} }} }}
    spec:
      containers:
        - name: mcp
          image: example/mcp:1.0
          ports: [{{ containerPort: 8000 }}]
""")
        elif kind == 1:
            f.write(f"""apiVersion: v1
kind: Service
metadata: {{ name: mcp{k}, namespace: mcp }}
spec:
  selector: {{ app: mcp{k} }}
  ports: [{{ port: 80, targetPort: 8000 }}]
""")
        else:
            f.write(f"""apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: mcp{k}
  namespace: mcp
  annotations: {{ nginx.ingress.kubernetes.io/ssl-redirect: "true" }}
spec:
  ingressClassName: nginx
  tls: [{{ hosts: [mcp{k}.example.com], secretName: mcp{k}-tls }}]
  rules:
    - host: mcp{k}.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {{ service: {{ name: mcp{k}, port: {{ number: 80 }} }} }}
""")
PY
echo "kubernetes: $manifests manifests, $(du -sh "$work/k8s" | cut -f1)"
read -r k_s k_mb < <(measure "$bin" scan --format json "$work/k8s")
row "tlsproof scan --format json" "$k_s" "$k_mb"
if [ "${ANCHORS:-1}" = 1 ]; then
    read -r ck_s ck_mb < <(measure "$venv/bin/checkov" -d "$work/k8s" --framework kubernetes --quiet --compact -o json)
    row "checkov -d (3.3.30)" "$ck_s" "$ck_mb" "$(ratio "$ck_s" "$k_s" "Checkov")"
fi
