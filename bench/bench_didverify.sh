#!/usr/bin/env bash
# bench_didverify.sh -- didverify over 3,000 published histories of 5 entries
# (test-tool fixture: did:webvh logs with embedded signed events, a
# KeyRotation, witness proofs, 5 batches of 3,000 leaves; roots in an offline
# anchors file), verified fully offline on 2 threads. Side by side: didwebvh-ts
# 2.8.0 resolveDIDFromLog on the same logs and did-witness.json files (node;
# it checks less: no events, no Merkle proofs, no roots), and the Ed25519 bound:
# libsodium verifications/s on 2 threads divided by the signatures checked per
# entry (entry proof + witness proof + event proof; genesis has no event), each over
# a 64-byte message as in eddsa-jcs-2022 (SHA-256 of the proof options || of the
# document), alternating with our runs (best of 3 each).
# Target: >= 70 % of the bound.
set -eu
cd "$(dirname "$0")/.."
B=${BUILD:-build}; TT=$B/helper/test-tool
N=${BENCH_DIDS:-3000}
T=$(mktemp -d "${TMPDIR:-/tmp}/wa-bench.XXXXXX"); trap 'rm -rf "$T"' EXIT
"$TT" fixture build "$T/pub" "$N" 5 --no-chain
"$B/bench/bench_didverify" verify "$T/pub" "$T/pub/anchors.json" 2 >/dev/null   # warm up
# Ours and the bound alternate, best of 3 each: on a shared machine a bound measured
# minutes apart (or while another process winds down) is not comparable.
best=""; ed=""
for r in 1 2 3; do
    read -r dids entries sigs secs < <("$B/bench/bench_didverify" verify "$T/pub" "$T/pub/anchors.json" 2)
    if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$secs; fi
    e=$("$B/bench/bench_didlog" ed25519 1 2)
    if [ -z "$ed" ] || [ "$e" -gt "$ed" ]; then ed=$e; fi
done
secs=$best
mkdir -p "$T/flat"
for d in "$T"/pub/.well-known/did/*/; do
    s=$(basename "$d"); ln -s "$d/did.jsonl" "$T/flat/$s.jsonl"; ln -s "$d/did-witness.json" "$T/flat/$s.witness.json"
done
read -r tslogs tssecs < <(node tests/node/webvh-oracle.mjs bench "$T/flat")
awk -v d="$dids" -v e="$entries" -v g="$sigs" -v s="$secs" -v tl="$tslogs" -v ts="$tssecs" -v ed="$ed" 'BEGIN{
  ours = e / s; spe = g / e; bound = ed / spe; tse = tl * 5 / ts;
  printf "%-46s %8.0f DIDs/s %9.0f entries/s  (%d DIDs, %d entries, %d signatures in %.3f s)\n", "didverify offline, anchors file (2 threads)", d/s, ours, d, e, g, s;
  printf "%-46s %8.0f DIDs/s %9.0f entries/s  (%d logs in %.3f s)\n", "didwebvh-ts 2.8.0 resolveDIDFromLog (node)", tl/ts, tse, tl, ts;
  printf "%-46s %26.0f entries/s  (%.0f Ed25519 verifies/s on 2 threads / %.2f signatures per entry)\n", "Ed25519 bound (libsodium)", bound, ed, spe;
  printf "ratio didverify / didwebvh-ts     %6.1fx\n", ours / tse;
  printf "ratio didverify / Ed25519 bound   %6.1f%%   (target >= 70%%)  %s\n", 100 * ours / bound, (ours / bound >= 0.7 ? "ok" : "BELOW TARGET") }'
