#!/usr/bin/env bash
# smoke.sh [SECONDS [TARGET...]]: the short fuzz run of CI, and the long run by hand. Builds
# the instrumented driver, then, one target after the other (all by default), lets AFL++ replay
# the target's seeds (its dry run: a seed that crashes or times out fails the run) and fuzz for
# SECONDS more (default 2). Any crash or hang found fails the run, with the input kept under
# fuzz/out/$FUZZ_RUN/ (default smoke) to reproduce it (README.md says how).
set -euo pipefail
seconds=${1:-2}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

cargo afl build --release --quiet
bin="${CARGO_TARGET_DIR:-$here/target}/release/tlsproof-fuzz"
out="$here/out/${FUZZ_RUN:-smoke}"
rm -rf "$out"
mkdir -p "$out"
targets=("$@")
if [ "${#targets[@]}" = 0 ]; then
    mapfile -t targets < <("$bin" --list)
fi

# The tokens of a target's format, for mutations that insert them: the project's own for nginx
# and the Caddyfile, AFL++'s for YAML, TOML and JSON.
afl_dicts="${XDG_DATA_HOME:-$HOME/.local/share}/afl.rs/AFLplusplus/dictionaries"
dictionary() {
    local file
    case "$1" in
    nginx*) file="$here/dict/nginx.dict" ;;
    caddyfile*) file="$here/dict/caddyfile.dict" ;;
    kubernetes | traefik_yaml | exceptions) file="$afl_dicts/yaml.dict" ;;
    traefik_toml | yaml_toml) file="$afl_dicts/toml.dict" ;;
    client_config | observations) file="$afl_dicts/json.dict" ;;
    *) return ;;
    esac
    if [ -f "$file" ]; then printf '%s\n' -x "$file"; fi
}

export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_FAST_CAL=1
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
failed=()
for target in "${targets[@]}"; do
    dir="$out/$target"
    ./seeds.sh "$target" "$dir/seeds"
    start=$SECONDS
    mapfile -t dict < <(dictionary "$target")
    # -t: a hang is an input that runs longer than 5 s (AFL++ confirms it with a second run).
    if ! TLSPROOF_FUZZ_DIR="$dir/scratch" cargo afl fuzz -i "$dir/seeds" -o "$dir/findings" \
        "${dict[@]}" -V "$seconds" -t "${FUZZ_TIMEOUT:-5000}" -- "$bin" "$target" \
        > "$dir/afl.log" 2>&1; then
        tail -n 20 "$dir/afl.log" >&2
        failed+=("$target (afl-fuzz failed)")
        continue
    fi
    stats="$dir/findings/default/fuzzer_stats"
    crashes=$(find "$dir/findings/default/crashes" -type f -name 'id:*' | wc -l)
    hangs=$(find "$dir/findings/default/hangs" -type f -name 'id:*' | wc -l)
    execs=$(awk -F' *: *' '$1 == "execs_done" { print $2 }' "$stats")
    paths=$(awk -F' *: *' '$1 == "corpus_count" { print $2 }' "$stats")
    printf 'fuzz %-14s %3d seeds, %7s execs, %5s paths, %d crashes, %d hangs, %3d s\n' \
        "$target" "$(ls "$dir/seeds" | wc -l)" "$execs" "$paths" "$crashes" "$hangs" \
        $((SECONDS - start))
    if [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ]; then
        failed+=("$target ($crashes crashes, $hangs hangs in $dir/findings/default)")
    fi
    rm -rf "$dir/scratch"
done
if [ "${#failed[@]}" -gt 0 ]; then
    printf 'fuzz smoke failed: %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "fuzz smoke: every target replayed its seeds and fuzzed ${seconds} s without a crash or hang"
