#!/bin/sh
# The throughput matrix in one command: signed CreateRestoreTask calls per second against a fresh
# emulator by our client (V1, V3), the official Python SDK (V1, V3) and @alicloud/pop-core (V1,
# when node and npm are installed), at C=1 and C=16, same N; then the emulator's capacity with our
# client as the load (C=1, 4, 16, 64, and C=16 with 100,000 tasks stored); and the loopback floor
# at C=1 (fixed bytes between two threads over 127.0.0.1, no HTTP, no work).
#
#   scripts/throughput.sh [--n N] [--rounds R] [--only dbs|peers|capacity|floor]...
#
# One JSON line per run on stdout, also appended to <target>/bench-results/throughput.json (see
# tests/benches/throughput.rs). N defaults to 10,000 calls a run; --rounds (default 1) repeats
# the matrix of ours, the peers and the floor, whose medians the table of scripts/bench.sh shows. The first run builds the
# release profile and the interop venv (target/interop-venv); later runs reuse both.
set -eu
cd "$(dirname "$0")/.."
exec cargo bench -q -p dbs-tests --bench throughput -- "$@"
