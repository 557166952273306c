#!/usr/bin/env bash
# anchord_queue.sh -- Redis streams, replay/rate guards, dead letters, XAUTOCLAIM,
# lease and batch journal (with WA_CRASH_AT crash injection) against a real redis-server.
source "$(dirname "$0")/../lib.sh"
svc_need redis
export WA_REDIS_URL=redis://127.0.0.1:$REDIS_PORT
"$TT" queue-suite >"$T_TMP/qtest.log" 2>&1
rc=$?
cat "$T_TMP/qtest.log"
line=$(grep -E '^# passed [0-9]+ failed [0-9]+$' "$T_TMP/qtest.log" | tail -1)
T_PASS=$((T_PASS + $(echo "$line" | awk '{print $3+0}')))
T_FAIL=$((T_FAIL + $(echo "$line" | awk '{print $5+0}')))
[ $rc -eq 0 ] || [ -n "$line" ] || t_fail qtest "exit $rc without a summary"
t_done
