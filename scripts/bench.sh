#!/usr/bin/env bash
# Runs every benchmark of issue 13 and writes the table BENCHMARKS.md shows:
#   <target>/bench-results/BENCHMARKS.table.md
#
# usage: scripts/bench.sh [--write] [--only PART[,PART...]]
#   --write   also replace the generated section of BENCHMARKS.md (between the markers
#             `<!-- bench.sh:begin -->` and `<!-- bench.sh:end -->`) with the table
#   --only    run only these parts, keep the others' last results:
#             criterion, throughput, codegen, build, rss
#
# Parts:
#   criterion   `cargo bench -p dbs-bench --bench request -- --quick prepare/`: the medians of
#               prepare/{full,floor}_{v1,v3} from <target>/criterion/prepare/<id>/new/estimates.json
#   throughput  scripts/throughput.sh --rounds 3 (when present; BENCH_ROUNDS=R to change): the
#               JSON lines it appends to
#               <target>/bench-results/throughput.json (the file is emptied first)
#   codegen     release `dbs-codegen expand` of the real spec and of synthetic specs of 50, 100,
#               250 and 500 operations (scripts/synth-spec.py): seconds and peak RSS, 3 runs each
#   build       release build of dbs-api with its dependencies built (dbs-api, dbs-macros and
#               dbs-codegen cleaned first): wall and CPU
#   rss         peak RSS of the README's main job (`dbs --emulator restore … --wait`) and of a
#               dbs-emulator process serving the same job over loopback (release binaries)
#
# Timings are for a quiet machine: other work on it shows in every figure (the table records the
# load average before and after). Python 3 (stdlib) renders the table.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
OUT=$TARGET/bench-results
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

WRITE=0
# Rounds of the throughput matrix (ours, the peers, the floor): single runs swing by a fifth.
ROUNDS=${BENCH_ROUNDS:-3}
ONLY=criterion,throughput,codegen,build,rss
while [ $# -gt 0 ]; do
    case $1 in
        --write) WRITE=1 ;;
        --only)
            [ $# -ge 2 ] || { echo "--only needs a list of parts" >&2; exit 2; }
            ONLY=$2
            shift
            ;;
        -h | --help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done
for part in ${ONLY//,/ }; do
    case $part in
        criterion | throughput | codegen | build | rss) ;;
        *) echo "unknown part: $part (criterion, throughput, codegen, build, rss)" >&2; exit 2 ;;
    esac
done
wants() { [[ ",$ONLY," == *",$1,"* ]]; }

mkdir -p "$OUT"
command -v /usr/bin/time > /dev/null || { echo "bench.sh needs /usr/bin/time (GNU time)" >&2; exit 1; }

# One JSON object per line in $OUT/part-<name>.jsonl; the renderer reads whatever is there.
record() { # record PART JSON
    printf '%s\n' "$2" >> "$OUT/part-$1.jsonl"
}
start_part() {
    rm -f "$OUT/part-$1.jsonl"
    echo "== $1" >&2
}
loadavg() { cut -d' ' -f1 /proc/loadavg; }

rm -f "$OUT/part-machine.jsonl"
record machine "$(python3 - "$ONLY" <<'PY'
import json, os, platform, subprocess, sys, time
cpu = "unknown"
try:
    for line in open("/proc/cpuinfo", encoding="utf-8"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
except OSError:
    pass
rustc = subprocess.run(["rustc", "-V"], capture_output=True, text=True).stdout.strip()
rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
print(json.dumps({
    "nproc": os.cpu_count(), "cpu": cpu, "rustc": rustc, "os": platform.platform(),
    "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "commit": rev,
    "parts": sys.argv[1], "load_before": open("/proc/loadavg").read().split()[0],
}))
PY
)"

# ---- criterion: the request path against the bare HMAC ---------------------------------------
if wants criterion; then
    start_part criterion
    # Only estimates this run wrote count: an id that failed keeps an older file.
    stamp=$OUT/criterion.stamp
    touch "$stamp"
    cargo bench -q -p dbs-bench --bench request -- --quick 'prepare/' >&2 ||
        echo "criterion run failed; the ids it did not write are reported missing" >&2
    for id in full_v1 full_v3 floor_v1 floor_v3; do
        file=$TARGET/criterion/prepare/$id/new/estimates.json
        if [ -f "$file" ] && [ "$file" -nt "$stamp" ]; then
            record criterion "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[2])); print(json.dumps({"id": sys.argv[1], "median_ns": d["median"]["point_estimate"]}))' "$id" "$file")"
        else
            record criterion "{\"id\": \"$id\", \"median_ns\": null}"
        fi
    done
    rm -f "$stamp"
fi

# ---- throughput: ours and the peers against the emulator, and the emulator's capacity ---------
if wants throughput; then
    start_part throughput
    if [ -x scripts/throughput.sh ]; then
        rm -f "$OUT/throughput.json"
        if scripts/throughput.sh --rounds "$ROUNDS" >&2; then
            record throughput '{"ran": true}'
        else
            record throughput '{"ran": true, "failed": true}'
        fi
    else
        echo "scripts/throughput.sh is missing: throughput reported missing" >&2
        record throughput '{"ran": false}'
    fi
fi

# ---- codegen: seconds and peak memory by number of operations ---------------------------------
if wants codegen; then
    start_part codegen
    cargo build -q --release -p dbs-codegen
    codegen=$TARGET/release/dbs-codegen
    for n in 36 50 100 250 500; do
        if [ "$n" = 36 ]; then
            dir=$ROOT/spec/dbs-2019-03-06
        else
            dir=$OUT/synth-$n
            python3 scripts/synth-spec.py "$n" "$dir"
        fi
        for run in 1 2 3; do
            /usr/bin/time -f '%e %M' -o "$OUT/time.txt" "$codegen" expand "$dir" > "$OUT/expand.rs"
            read -r secs kb < <(tail -n 1 "$OUT/time.txt")
            bytes=$(wc -c < "$OUT/expand.rs")
            record codegen "{\"operations\": $n, \"run\": $run, \"seconds\": $secs, \"peak_kb\": $kb, \"bytes\": $bytes}"
        done
        [ "$n" = 36 ] || rm -rf "$dir"
    done
    rm -f "$OUT/expand.rs" "$OUT/time.txt"
fi

# ---- build: dbs-api release, dependencies built -----------------------------------------------
if wants build; then
    start_part build
    cargo build -q --release -p dbs-api # the dependencies, untimed
    for run in 1 2 3; do
        cargo clean -q --release -p dbs-api -p dbs-macros -p dbs-codegen
        /usr/bin/time -f '%e %U %S' -o "$OUT/time.txt" cargo build -q --release -p dbs-api
        read -r wall user sys < <(tail -n 1 "$OUT/time.txt")
        record build "{\"run\": $run, \"wall\": $wall, \"user\": $user, \"sys\": $sys, \"load\": $(loadavg)}"
    done
    rm -f "$OUT/time.txt"
fi

# ---- rss: the README's main job, in process and against a dbs-emulator process ----------------
if wants rss; then
    start_part rss
    cargo build -q --release -p dbs-cli -p dbs-emulator
    dbs=$TARGET/release/dbs
    # The README's restore command (`--emulator`: an emulator in the same process).
    job=(restore --backup-plan-id dbsdemomysql01 --restore-task-name restore-demo
        --destination-endpoint-instance-type RDS --destination-endpoint-region cn-hangzhou
        --destination-endpoint-instance-id rm-bp1p8c29demo --destination-endpoint-user-name restore_user
        --restore-objects '[{"DBName":"orders","NewDBName":"orders_restored"}]' --wait)
    DBS_DESTINATION_ENDPOINT_PASSWORD='demo-Passw0rd' \
        /usr/bin/time -f '%e %M' -o "$OUT/time.txt" "$dbs" --emulator "${job[@]}" > /dev/null
    read -r secs kb < <(tail -n 1 "$OUT/time.txt")
    record rss "{\"who\": \"cli-main-job\", \"seconds\": $secs, \"peak_kb\": $kb}"

    # The same job against a dbs-emulator process; its peak RSS once it has served it.
    fifo=$OUT/emulator.out
    rm -f "$fifo" "$OUT/emulator-time.txt"
    /usr/bin/time -f '%e %M' -o "$OUT/emulator-time.txt" \
        "$TARGET/release/dbs-emulator" --listen 127.0.0.1:0 > "$fifo" 2> /dev/null &
    timer=$!
    url=
    for _ in $(seq 100); do
        url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$fifo" 2> /dev/null | head -1)
        [ -n "$url" ] && break
        sleep 0.1
    done
    emulator=$(pgrep -P "$timer" || true)
    if [ -n "$url" ] && [ -n "$emulator" ]; then
        ALIBABA_CLOUD_ACCESS_KEY_ID=testid ALIBABA_CLOUD_ACCESS_KEY_SECRET=testsecret \
            DBS_DESTINATION_ENDPOINT_PASSWORD='demo-Passw0rd' \
            "$dbs" --endpoint "$url" "${job[@]}" --source-database-type MySQL > /dev/null
        kill -TERM "$emulator"
        wait "$timer" || true
        read -r secs kb < <(tail -n 1 "$OUT/emulator-time.txt")
        record rss "{\"who\": \"emulator\", \"seconds\": $secs, \"peak_kb\": $kb}"
    else
        echo "dbs-emulator did not start" >&2
        [ -n "$emulator" ] && kill -TERM "$emulator"
        wait "$timer" || true
        record rss '{"who": "emulator", "peak_kb": null}'
    fi
    rm -f "$fifo" "$OUT/emulator-time.txt" "$OUT/time.txt"
fi

record machine "{\"load_after\": $(loadavg)}"
args=("$OUT")
[ "$WRITE" = 1 ] && args+=(--write "$ROOT/BENCHMARKS.md")
python3 scripts/bench_table.py "${args[@]}"
echo "wrote $OUT/BENCHMARKS.table.md" >&2
