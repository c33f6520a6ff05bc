#!/usr/bin/env bash
# seeds.sh TARGET DIR: fills DIR with the seed inputs of one fuzz target, taken from the
# project's fixtures and corpora (tests/fixtures, tests/corpora), files of at most 64 KiB.
set -euo pipefail
target=${1:?usage: seeds.sh TARGET DIR}
out=${2:?usage: seeds.sh TARGET DIR}
here=$(cd "$(dirname "$0")" && pwd)
tests="$here/../tests"
mkdir -p "$out"

# Copies every file the find arguments select, named after its path so that none overwrites
# another.
take() {
    local dir=$1
    shift
    find "$dir" -type f -size -65k "$@" -print0 | while IFS= read -r -d '' f; do
        cp "$f" "$out/$(printf '%s' "${f#"$tests"/}" | tr '/' '_')"
    done
}

# One seed per line of standard input.
lines() {
    local prefix=$1 n=0
    while IFS= read -r line; do
        n=$((n + 1))
        printf '%s' "$line" > "$out/$prefix-$n"
    done
}

yaml=(\( -name '*.yaml' -o -name '*.yml' \))
case "$target" in
nginx_parse | nginx)
    take "$tests/fixtures" \( -name '*.conf' -o -path '*/sites-enabled/*' \)
    take "$tests/corpora/nginx-crossplane" -not -name LICENSE
    take "$tests/corpora/nginx-go-crossplane" -not -name LICENSE
    ;;
caddyfile_lex | caddyfile)
    take "$tests/fixtures" \( -name 'Caddyfile*' -o -name '*.caddy' \)
    take "$tests/corpora/caddy-adapt" -name '*.caddyfiletest'
    take "$tests/corpora/caddy-testdata" -not -name LICENSE
    ;;
kubernetes)
    take "$tests/fixtures/kubernetes" "${yaml[@]}"
    take "$tests/corpora/gateway-api-examples" "${yaml[@]}"
    ;;
traefik_yaml)
    take "$tests/fixtures" "${yaml[@]}" \( -path '*/traefik/*' -o -name 'docker-compose*' \)
    take "$tests/corpora/traefik-reference" "${yaml[@]}"
    ;;
traefik_toml)
    take "$tests/fixtures/traefik" -name '*.toml'
    take "$tests/corpora/traefik-reference" -name '*.toml'
    ;;
yaml_toml)
    take "$tests/fixtures" \( -name '*.toml' -o -name '*.yaml' -o -name '*.yml' \) -size -8k
    ;;
cipher_string)
    # The cipher strings the fixtures and corpora write, and the defaults of the products.
    { grep -rhoP --include='*.conf' 'ssl_ciphers\s+"?\K[^;"]+' "$tests/fixtures" "$tests/corpora" || true; } \
        | sort -u | lines nginx
    python3 - "$tests"/corpora/mozilla-guidelines/*.json <<'PY' | sort -u | lines mozilla
import json, sys
for path in sys.argv[1:]:
    for config in json.load(open(path)).get("configurations", {}).values():
        ciphers = config.get("ciphers", {})
        for suites in (ciphers.get("openssl", []), config.get("ciphersuites", [])):
            if isinstance(suites, list) and suites:
                print(":".join(suites))
PY
    printf '%s\n' 'HIGH:!aNULL:!MD5' 'DEFAULT' 'ALL:!COMPLEMENTOFDEFAULT:@STRENGTH' \
        'ECDHE+AESGCM:-RSA:+SHA256:@SECLEVEL=2' 'TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256' \
        | lines defaults
    ;;
exceptions)
    take "$tests/fixtures" -name '*exceptions*.y*ml'
    ;;
certificate)
    take "$tests/fixtures" \( -name '*.pem' -o -name '*.crt' -o -name '*.der' \)
    # A CA, a leaf it signed (PEM chain and DER) and a self-signed EC certificate, made now.
    work=$(mktemp -d)
    (
        cd "$work"
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 \
            -subj /CN=fuzz-ca 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key \
            -out leaf.csr -subj /CN=example.com 2>/dev/null
        printf 'subjectAltName=DNS:example.com,IP:127.0.0.1\n' > ext
        openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
            -extfile ext -out leaf.pem 2>/dev/null
        cat leaf.pem ca.pem > "$out/chain.pem"
        openssl x509 -in leaf.pem -outform der -out "$out/leaf.der"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout ec.key \
            -out "$out/self-signed-ec.pem" -days 1 -subj /CN=localhost 2>/dev/null
    )
    rm -rf "$work"
    ;;
client_config)
    take "$tests/fixtures/client" -name '*.json'
    ;;
app)
    take "$tests/fixtures/app" \( -name '*.py' -o -name '*.ts' -o -name '*.js' -o -name '.env*' \
        -o -name 'Dockerfile*' -o -name '*.toml' -o -name '*.json' \)
    ;;
observations)
    take "$tests/fixtures/observations" -name '*.json'
    ;;
*)
    echo "seeds.sh: unknown target $target" >&2
    exit 2
    ;;
esac
if [ -z "$(ls -A "$out")" ]; then
    echo "seeds.sh: no seed for $target" >&2
    exit 1
fi
