#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark's smoke run, so that `make bench` cannot rot: the whole of
# tests/vm/bench/tunnel-throughput.sh (every path: plain, hmmp's ipip,
# minimal and udp, Linux's ipip and FOU) with one-second iperf3 runs. Its
# checks are the benchmark's own: each run worked and took the path it
# was meant to (the tunnel counters moved). The figures it prints mean
# little at one second; `make bench` is the measurement.
#
# timeout: 240
# kernels: oldest (the datapath of each encapsulation runs on both lines in 20-24; the bench itself on one)
# shellcheck disable=SC2034 # read by the benchmark
HMMP_BENCH_SECS=1
# shellcheck source=../bench/tunnel-throughput.sh
. "$REPO/tests/vm/bench/tunnel-throughput.sh"
