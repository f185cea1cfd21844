#!/usr/bin/env bash
# Side-by-side failover measurement: keepalived vs keepalived and keepalived vs vrrpd (both
# as backup and as master), N crash-failover (kill -9) and N graceful-stop (SIGTERM) runs per
# pairing, each in fresh network namespaces with a tcpdump capture that the conformance
# checker must pass. Prints a markdown table of the failover gaps (median, p99, min, max) next
# to the RFC prediction that the simulator uses.
#
# Usage (as root, with keepalived and tcpdump installed):  vrrpd/scripts/side-by-side.sh [N]
# N defaults to 20; one run takes about 30 s, so N=20 takes about 30 minutes.
set -euo pipefail
N="${1:-20}"
cd "$(dirname "$0")/../.."
VRRPD_SIDE_BY_SIDE="$N" cargo test -p vrrpd --test it side_by_side -- --nocapture --test-threads 1 2>&1 \
  | sed -n '/^SIDE-BY-SIDE/,/^$/p'
