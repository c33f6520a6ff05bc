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

# `measure CMD…`: the best of 3 runs as "SECONDS PEAK_MB" (output discarded, exit status
# ignored); `$work` must name a scratch directory.
measure() {
    local best_s="" best_mb="" s kb mb
    for _ in 1 2 3; do
        /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>&1 || true
        read -r s kb < <(tail -n 1 "$work/time")
        if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then best_s=$s; fi
        mb=$((kb / 1024))
        if [ -z "$best_mb" ] || [ "$mb" -lt "$best_mb" ]; then best_mb=$mb; fi
    done
    echo "$best_s $best_mb"
}
