#!/usr/bin/env bash
# harness.sh -- the test harness itself (tests/lib.sh, tests/run.sh): a skip is reported as
# a skip with its reason, never as a pass; WA_TEST_NO_SKIP=1 (CI) makes any skip a failure;
# a scenario whose only check was skipped closes as "skip"; run.sh's closing line counts
# skips separately ("N passed, N failed, N skipped"); a service that cannot start ends the
# suite as a SKIP naming the reason (svc_need); run.sh --only NAME (make test T=NAME) runs
# exactly one suite.
source "$(dirname "$0")/../lib.sh"
mini() {   # a suite of one pass and one skip, run as tests/integration/*.sh are
    bash -c 'source tests/lib.sh; t_ok one; scenario fault sk "x" "y"; t_skip two "no tmpfs here"; t_done' 2>&1
}
out=$(WA_TEST_NO_SKIP= mini); rc=$?
t_eq "skip: exit 0 (not a failure)" "$rc" 0
t_check "skip: SKIP line with the reason" grep -qx 'SKIP two: no tmpfs here' <<<"$out"
t_check "skip: counted apart from passes" grep -qx '# passed 1 failed 0 skipped 1' <<<"$out"
t_check "skip: the scenario closes as skip" grep -q '^SCENARIO|fault|sk|x|y|skip|0$' <<<"$out"
out=$(WA_TEST_NO_SKIP=1 mini); rc=$?
t_eq "WA_TEST_NO_SKIP=1: exit 1" "$rc" 1
t_check "WA_TEST_NO_SKIP=1: the skip is a failure" grep -qx '# passed 1 failed 1 skipped 0' <<<"$out"
t_check "WA_TEST_NO_SKIP=1: says why" grep -q '^FAIL two: skipped (no tmpfs here), and WA_TEST_NO_SKIP=1' <<<"$out"
out=$(bash -c 'source tests/lib.sh; scenario fault none "x" "y"; t_done' 2>&1); rc=$?
t_eq "a scenario with no check at all still fails" "$rc/$(grep -c '^SCENARIO|.*|fail|' <<<"$out")" "1/1"

# tests/run.sh over a fake build: one unit "binary" that skips, one that passes.
F=$T_TMP/fake; mkdir -p "$F/tests"
printf '#!/bin/sh\necho "SKIP radosgw: did not start"\necho "# passed 2 failed 0 skipped 1"\n' >"$F/tests/test_zz_skip"
printf '#!/bin/sh\necho "# passed 3 failed 0"\n' >"$F/tests/test_zz_ok"
chmod +x "$F"/tests/test_zz_*
out=$(BUILD=$F WA_TEST_NO_SKIP= tests/run.sh unit/test_zz_ 2>&1); rc=$?
t_eq "run.sh: closing line" "$(tail -1 <<<"$out")" "5 passed, 0 failed, 1 skipped"
t_check "run.sh: lists the skip and its reason" grep -qx 'SKIP unit/test_zz_skip: radosgw: did not start' <<<"$out"
t_eq "run.sh: a run with skips (no failure) exits 0" "$rc" 0
out=$(BUILD=$F WA_TEST_NO_SKIP=1 tests/run.sh unit/test_zz_ 2>&1); rc=$?
t_eq "run.sh: WA_TEST_NO_SKIP=1 and a skip -> exit 1" "$rc" 1
printf '#!/bin/sh\necho "# passed 4 failed 0"\n' >"$F/tests/test_zz_ok2"; chmod +x "$F/tests/test_zz_ok2"
out=$(BUILD=$F tests/run.sh --only test_zz_ok 2>&1); rc=$?
t_eq "run.sh --only NAME: that suite alone (not test_zz_ok2)" "$rc/$(tail -1 <<<"$out")" "0/3 passed, 0 failed, 0 skipped"
out=$(BUILD=$F tests/run.sh --only unit/test_zz_ok2 2>&1)
t_eq "run.sh --only with the folder" "$(tail -1 <<<"$out")" "4 passed, 0 failed, 0 skipped"
BUILD=$F tests/run.sh --only test_zz_none >/dev/null 2>&1; rc=$?
t_eq "run.sh --only: no such suite -> exit 2" "$rc" 2

# svc_need: a service that cannot start ends the suite as a SKIP with the reason, not a
# pass and not a failure (here redis-server is "not installed": a PATH without it).
NB=$T_TMP/nobin; mkdir -p "$NB"
for c in mktemp dirname rm tr tail mkdir sleep basename; do ln -s "$(command -v "$c")" "$NB/$c"; done
out=$(PATH=$NB WA_TEST_NO_SKIP= /bin/bash -c 'source tests/lib.sh; t_ok before; svc_need redis; t_ok after; t_done' 2>&1); rc=$?
t_eq "svc_need: exit 0, the rest of the suite not run" "$rc/$(grep -c '^ok after' <<<"$out")" "0/0"
t_check "svc_need: SKIP naming the service and the reason" grep -qx 'SKIP redis: redis-server is not installed (scripts/deps.sh installs it)' <<<"$out"
t_check "svc_need: counted as a skip" grep -qx '# passed 1 failed 0 skipped 1' <<<"$out"
out=$(WA_TEST_NO_SKIP= bash -c 'source tests/lib.sh; redis-server() { echo "FATAL: cannot bind" >&2; }; svc_need redis; t_done' 2>&1)
t_check "svc_need: a server that exits at once: SKIP with its last log lines" grep -q '^SKIP redis: redis-server did not start: FATAL: cannot bind' <<<"$out"
t_done
