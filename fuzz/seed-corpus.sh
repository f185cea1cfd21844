#!/bin/sh
# Fills fuzz/corpus/<target>/ with seed inputs: the small hand-made seeds of fuzz/seeds/ plus the
# repository's own fixtures (real keepalived captures, the bad/synthetic captures, the seed and
# sample keepalived configs, the scenario files). The corpus directories are not committed.
set -eu
cd "$(dirname "$0")"
repo=..
mkdir -p corpus/vrrp_codec corpus/capture_reader corpus/keepalived_conf corpus/scenario_loader corpus/nginx_conf
cp seeds/vrrp_codec/* corpus/vrrp_codec/
cp "$repo"/pcaps/keepalived/*.pcap "$repo"/pcaps/bad/*.pcap "$repo"/pcaps/synthetic/*.pcap* corpus/capture_reader/
cp "$repo"/scenarios/configs/seed/*.conf "$repo"/scenarios/configs/keepalived-samples/* corpus/keepalived_conf/
cp seeds/scenario_loader/* corpus/scenario_loader/
find "$repo"/scenarios -name '*.ron' -exec cp {} corpus/scenario_loader/ \;
cp "$repo"/scenarios/configs/seed/nginx_upstream.conf corpus/nginx_conf/
echo "corpora seeded under $(pwd)/corpus"
