# Shared by the benchmarks: `best_ms CMD…` runs CMD three times (output discarded, failures
# ignored) and prints the fastest wall time in milliseconds.
best_ms() {
    local best=""
    for _ in 1 2 3; do
        local t0 t1 ms
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        t1=$(date +%s%N)
        ms=$(( (t1 - t0) / 1000000 ))
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    echo "$best"
}
