#!/usr/bin/env bash
# Side-by-side failover measurement: keepalived vs keepalived and keepalived vs vrrpd (both
# as backup and as master), N crash-failover (kill -9) and N graceful-stop (SIGTERM) runs per
# pairing, each in fresh network namespaces with a tcpdump capture that the conformance
# checker must pass. Prints a markdown table of the failover gaps (median, p99, min, max) next
# to the simulator's prediction for the same lab and the number of runs within 5 ms of it.
#
# Usage (as root, with keepalived, tcpdump and chrt installed):  vrrpd/scripts/side-by-side.sh [N]
# N defaults to 20; one run takes about 25 s, so N=20 (3 pairings) takes about 25 minutes.
# The test binary and the daemon are copied first, so rebuilding the workspace during the
# run does not change what is measured.
set -euo pipefail
N="${1:-20}"
cd "$(dirname "$0")/../.."
work="$(mktemp -d /tmp/vrrpd-side-by-side.XXXXXX)"
trap 'rm -rf "$work"' EXIT
test_bin="$(cargo test -p vrrpd --test it --no-run --message-format=json 2>/dev/null \
  | sed -n 's/.*"executable":"\([^"]*\/it-[0-9a-f]*\)".*/\1/p' | tail -1)"
cargo build -q -p vrrpd --bin vrrpd
cp "$test_bin" "$work/it"
cp target/debug/vrrpd "$work/vrrpd"
# Progress (one line per run) on stderr, the table on stdout; the whole log on failure.
set +e
VRRPD_BIN="$work/vrrpd" VRRPD_SIDE_BY_SIDE="$N" "$work/it" side_by_side --nocapture --test-threads 1 \
  2>&1 | tee "$work/log" | grep --line-buffered '^side-by-side' >&2
rc="${PIPESTATUS[0]}"
set -e
if [ "$rc" != 0 ]; then
  cat "$work/log" >&2
  exit "$rc"
fi
sed -n '/^SIDE-BY-SIDE/,/^$/p' "$work/log"
