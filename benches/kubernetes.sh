#!/usr/bin/env bash
# Kubernetes scan speed: one generated manifest stream of DOCS documents (Deployments, Services,
# Ingresses, a controller ConfigMap), scanned by the release binary. Prints the wall time of the
# best of 3 runs and the stream's size. Usage: bash benches/kubernetes.sh [DOCS]  (default 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
docs="${1:-20000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/tlsproof"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 - "$docs" > "$work/stream.yaml" <<'PY'
import sys
n = int(sys.argv[1])
print("""apiVersion: v1
kind: ConfigMap
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
data:
  ssl-protocols: "TLSv1.2 TLSv1.3"
""")
i = 0
while i < n - 1:
    k = i // 3
    t = i % 3
    print("---")
    if t == 0:
        print(f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: app{k}
  namespace: ns{k % 50}
spec:
  selector:
    matchLabels: {{app: app{k}}}
  template:
    metadata:
      labels: {{app: app{k}}}
    spec:
      containers:
        - name: server
          image: ghcr.io/example/mcp:{k % 7}.0
          args: ["--host", "0.0.0.0", "--port", "8000"]
          env:
            - name: LOG_LEVEL
              value: info
          ports:
            - containerPort: 8000
              name: http""")
    elif t == 1:
        print(f"""apiVersion: v1
kind: Service
metadata:
  name: app{k}
  namespace: ns{k % 50}
spec:
  selector: {{app: app{k}}}
  ports:
    - port: 80
      targetPort: http""")
    else:
        print(f"""apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app{k}
  namespace: ns{k % 50}
spec:
  ingressClassName: nginx
  tls:
    - hosts: [app{k}.example.com]
      secretName: app{k}-tls
  rules:
    - host: app{k}.example.com
      http:
        paths:
          - path: /mcp
            pathType: Prefix
            backend:
              service:
                name: app{k}
                port: {{number: 80}}""")
    i += 1
PY

size=$(du -h "$work/stream.yaml" | cut -f1)
best=""
for _ in 1 2 3; do
    start=$(date +%s.%N)
    "$bin" scan "$work/stream.yaml" --format json > "$work/out.json" || true
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc)
    if [ -z "$best" ] || (( $(echo "$t < $best" | bc) )); then best=$t; fi
done
endpoints=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(len({r['endpoint'] for r in d['results']}))" "$work/out.json")
echo "kubernetes stream: $docs documents, $size, $endpoints endpoints judged: best of 3 ${best}s"
