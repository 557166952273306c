#!/usr/bin/env bash
# pipeline_memory.sh -- issue 16: the worker's memory is bounded by WA_BATCH_MEMORY, not by
# the batch. MEM_DIDS DIDs (600) get 10-entry logs; then one batch touches every one of them
# with WA_BATCH_MEMORY far below what their objects take (old and new: ~2 x 25 KB a DID).
# Its peak RSS (maxRssKb of "batch done", getrusage) must stay within the process's own
# floor (the same worker's peak over a batch of 20 DIDs) + the setting + the batch's new
# entries (6 x their lines); everything is published and valid. MEM_SWEEP="BYTES..." adds
# batches at other settings and prints their peaks (exploring, not judged). Under ASan the
# chunked read/build/publish paths run the same (150 DIDs) and are checked, but the peak is
# not judged (ASan's quarantine holds freed memory). Real redis-server, anvil, file store.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
D=${MEM_DIDS:-$([ -n "${WA_ASAN:-}" ] && echo 150 || echo 600)}
FS=$T_TMP/fs
pipe_env "file://$FS" || pipe_env_failed
count() { "$AD" batch-count 2>/dev/null; }
rss() { grep '"batch done"' "$1" | tail -1 | jq -r '.maxRssKb'; }

scenario attack memory-bounded-by-setting \
    "one batch touches $D DIDs whose 10-entry logs together hold far more than WA_BATCH_MEMORY" \
    "peak RSS within the floor + WA_BATCH_MEMORY + the new entries; every event published, every file valid"
"$TT" enqueue-dids 0 "$D" >/dev/null && WA_BATCH_MAX_EVENTS=$D pipe_run
t_eq "setup: $D DIDs published" "$RUN_RC" 0
"$TT" events 0 "$D" $((9 * D)) grow >"$T_TMP/grow.jsonl"
"$AD" submit "$T_TMP/grow.jsonl" >/dev/null 2>&1
WA_BATCH_MAX_EVENTS=$((9 * D)) pipe_run
t_eq "setup: 9 events on each DID" "$RUN_RC" 0
OBJ=$(du -sk --apparent-size "$FS" | cut -f1)
echo "# objects in the store: $OBJ KB"
# The floor: the same worker over 20 of these DIDs.
"$TT" events 0 20 20 small >"$T_TMP/small.jsonl"; "$AD" submit "$T_TMP/small.jsonl" >/dev/null 2>&1
pipe_run
FLOOR=$(rss "$RUN_LOG")
"$TT" events 0 "$D" "$D" big >"$T_TMP/big.jsonl"; "$AD" submit "$T_TMP/big.jsonl" >/dev/null 2>&1
MEM=${MEM_SETTING:-4194304}
WA_BATCH_MEMORY=$MEM WA_BATCH_MAX_EVENTS=$D pipe_run
t_eq "the batch over $D DIDs: exit 0, all published" "$RUN_RC $(grep '"batch done"' "$RUN_LOG" | jq -r .published)" "0 $D"
PEAK=$(rss "$RUN_LOG")
# The batch's own data: its new entries (each a whole DID document), held as lines, in the
# staging bundle's text, with the claimed events and the per-DID records: 6 x the lines
# (measured ~4.5 x, and ~1.5 MB of noise between runs).
NEW=$(( $(tail -qn1 "$FS"/.well-known/did/*/did.jsonl | wc -c) * 6 / 1024 ))
LIMIT=$(( FLOOR + MEM / 1024 + NEW ))
echo "# floor $FLOOR KB, setting $((MEM / 1024)) KB, new entries ~$NEW KB, objects $OBJ KB: peak $PEAK KB (limit $LIMIT KB)"
if [ -n "${WA_ASAN:-}" ]; then t_ok "peak RSS: not judged under ASan (its quarantine holds freed memory)"; else
    t_check "peak RSS $PEAK KB <= floor $FLOOR + setting $((MEM / 1024)) + new entries $NEW KB = $LIMIT KB" test "${PEAK:-999999999}" -le "$LIMIT"
fi
for m in ${MEM_SWEEP:-}; do   # exploring: the peak at other settings
    "$TT" events 0 "$D" "$D" sw$m >"$T_TMP/sw.jsonl"; "$AD" submit "$T_TMP/sw.jsonl" >/dev/null 2>&1
    WA_BATCH_MEMORY=$m WA_BATCH_MAX_EVENTS=$D pipe_run
    echo "# sweep: setting $m: rc $RUN_RC peak $(rss "$RUN_LOG") KB; $(grep '"batch done"' "$RUN_LOG")"
done
"$TT" check >"$T_TMP/check.out" 2>"$T_TMP/check.err"
t_eq "every file valid" "$? $(grep -o 'failures=[0-9]*' "$T_TMP/check.out")" "0 failures=0"
t_done
