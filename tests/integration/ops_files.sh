#!/usr/bin/env bash
# ops_files.sh -- the operations files agree with the code: cron/ (crontab, systemd units,
# k8s.yaml parsed with js-yaml: tests/helper/k8scheck.js checks every object and field
# against the Kubernetes types, references, 0600 key files, sizes from docs/load.md), every
# WA_* name used in cron/ is a setting `anchord --help` lists, the sample config file and the
# k8s ConfigMap pass `anchord config`, docs/alerts.yml (YAML, rule shape) and
# docs/grafana-dashboard.json (JSON) name only metrics anchord registers.
source "$(dirname "$0")/../lib.sh"
AD=$WA_ROOT/$BIN/anchord
cd "$WA_ROOT"
"$AD" --help >"$T_TMP/help"
t_check "anchord --help exits 0" test -s "$T_TMP/help"
for w in $(grep -ohE 'WA_[A-Z0-9_]+' cron/* | sort -u); do
    t_check "cron/ name $w is an anchord setting" grep -qE "^  $w( |$)" "$T_TMP/help"
done
# every setting in config.c shows up with its default
for w in $(grep -oE '^    \{"WA_[A-Z0-9_]+"' anchord/config/config.c | tr -d '{" '); do
    t_check "--help lists $w with a default" bash -c "grep -A1 -E '^  $w ' '$T_TMP/help' | grep -q 'default:'"
done
# docs/operations.md's configuration table names every setting
for w in $(grep -oE '^    \{"WA_[A-Z0-9_]+"' anchord/config/config.c | tr -d '{" '); do
    t_check "docs/operations.md documents $w" grep -qF "| \`$w\` |" docs/operations.md
done
t_expect_rc "cron/anchord.env is a valid config" 0 "$AD" --config cron/anchord.env config
t_check "anchord config echoes the file's values" grep -q '^WA_CHAIN_ID=11155111$' "$T_TMP/last.out"
node tests/helper/opsfiles.js "$WA_ROOT" --configmap >"$T_TMP/cm.env" </dev/null
t_expect_rc "k8s ConfigMap values are valid settings" 0 "$AD" --config "$T_TMP/cm.env" config
t_expect_rc "a bad setting stops start-up" 3 env WA_CONFIRMATIONS=0 "$AD" config
t_check "naming it" grep -q "WA_CONFIRMATIONS" "$T_TMP/last.err"
printf 'WA_RELAYER_KEY=00\n' >"$T_TMP/secret.env"
t_expect_rc "a secret in a config file is refused" 3 "$AD" --config "$T_TMP/secret.env" config
t_check "pointing at the _FILE setting" grep -q "WA_RELAYER_KEY_FILE" "$T_TMP/last.err"
t_expect_rc "unknown key in a config file is refused" 3 bash -c "printf 'WA_CONFIRMATION=3\n' >'$T_TMP/typo.env'; '$AD' --config '$T_TMP/typo.env' config"
# crontab: 5 time fields, a user, then the command
line=$(grep -vE '^(#|$)' cron/crontab)
t_eq "crontab has one job" "$(grep -cvE '^(#|$)' cron/crontab)" 1
t_check "crontab runs anchord run as a user" bash -c "awk '{exit !(NF >= 7 && \$6 == \"anchor\")}' <<<'$line' && grep -q 'anchord run' <<<'$line'"
t_check "systemd timer starts the run service" grep -q '^OnUnitInactiveSec=' cron/anchord-run.timer
t_check "run service is a oneshot of anchord run" bash -c "grep -q '^Type=oneshot' cron/anchord-run.service && grep -q '^ExecStart=.*anchord run$' cron/anchord-run.service"
t_check "ingest service runs anchord serve" grep -q '^ExecStart=.*anchord serve$' cron/anchord-ingest.service
for c in serve submit; do   # (run: the pipeline owns its --help)
    t_expect_rc "anchord $c --help" 0 "$AD" $c --help; done
# alerts, dashboard, k8s: js-yaml / JSON.parse against the registered metric families
grep -oE 'metricsRegister\("[a-z0-9_]+"' anchord/ops/metrics.c | sed 's/.*("//; s/"//' >"$T_TMP/metrics.txt"
node tests/helper/opsfiles.js "$WA_ROOT" <"$T_TMP/metrics.txt" >"$T_TMP/opsfiles.out" 2>&1 || t_fail opsfiles "$(tail -3 "$T_TMP/opsfiles.out")"
# k8s.yaml: schema of every object and field, references, 0600 key files, sizes (k8scheck.js)
node tests/helper/k8scheck.js "$WA_ROOT" >>"$T_TMP/opsfiles.out" 2>&1 </dev/null || t_fail k8scheck "$(tail -3 "$T_TMP/opsfiles.out")"
while read -r st rest; do
    case $st in ok) t_ok "$rest" ;; FAIL) t_fail "${rest%%:*}" "${rest#*: }" ;; *) t_fail opsfiles "$st $rest" ;; esac
done <"$T_TMP/opsfiles.out"
# the checker can fail: a misspelt field in a copy of the manifest is caught
mkdir -p "$T_TMP/bad/cron"; cp Makefile "$T_TMP/bad/"; mkdir -p "$T_TMP/bad/scripts" "$T_TMP/bad/docs"
cp scripts/image.sh "$T_TMP/bad/scripts/"; cp docs/load.md "$T_TMP/bad/docs/"
sed 's/concurrencyPolicy: Forbid/concurrencyPolcy: Forbid/; s/readOnly: true}/readonly: true}/' cron/k8s.yaml >"$T_TMP/bad/cron/k8s.yaml"
node tests/helper/k8scheck.js "$T_TMP/bad" >"$T_TMP/bad.out" 2>&1 </dev/null
t_check "k8scheck: a misspelt field fails the check" grep -q '^FAIL k8s schema: CronJob anchord-run: .*concurrencyPolcy: unknown field' "$T_TMP/bad.out"
t_check "k8scheck: a misspelt volumeMount field fails too" grep -q 'readonly: unknown field' "$T_TMP/bad.out"
t_done
