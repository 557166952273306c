#!/usr/bin/env bash
# install.sh -- `make install` (DESTDIR, PREFIX) and --version: the tree it installs, units
# and crontab that name the installed binary and config (systemd-analyze verify checks
# the units, ExecStart included), a kept config on re-install, uninstall, and each
# installed program answering --version (the build's `git describe`) and --help.
source "$(dirname "$0")/../lib.sh"
# -o: install the programs as built (under make asan a rebuild here would lose its flags)
MK=(env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make --no-print-directory -s BUILD="$BUILD" BIN="$BIN"
    -o "$BIN/anchord" -o "$BIN/didlog" -o "$BIN/didverify" -o "$BIN/seed")
rm -f "$BUILD"/man/*.1     # so the man pages are made from these programs
want=$(cat "$BUILD/version.stamp" 2>/dev/null)
[ -e .git ] && t_eq "version stamp is git describe" "$want" "$(git describe --tags --always --dirty)"

for b in anchord didlog didverify seed; do
    t_eq "$b --version" "$("$BIN/$b" --version 2>&1)" "$b $want"
done

# ---- DESTDIR, default PREFIX (/usr/local): what the units and crontab in cron/ expect
D=$T_TMP/dest
t_expect_rc "make install DESTDIR=..." 0 "${MK[@]}" install DESTDIR="$D"
for f in usr/local/bin/{anchord,didlog,didverify,seed}; do t_check "installed $f (executable)" test -x "$D/$f"; done
for f in usr/local/lib/systemd/system/{anchord-run.service,anchord-run.timer,anchord-ingest.service} \
         usr/local/share/witness-anchor/{crontab,k8s.yaml,anchord.env,nginx-cdn.conf,s3-bucket-policy.json} \
         etc/witness-anchor/anchord.env; do
    t_check "installed $f" test -f "$D/$f"
done
if command -v help2man >/dev/null; then
    for b in anchord didlog didverify seed; do
        t_check "man page $b.1 (from --help) names the version" grep -q "$want" "$D/usr/local/share/man/man1/$b.1"
    done
else t_skip "man pages" "help2man is not installed (scripts/deps.sh installs it)"; fi
t_eq "no file outside DESTDIR's usr/local and etc" "$(cd "$D" && find . -type f | grep -vE '^\./(usr/local|etc/witness-anchor)/' | wc -l)" 0
# every absolute path the units and the crontab name for our files exists in the tree
for u in "$D"/usr/local/lib/systemd/system/* "$D/usr/local/share/witness-anchor/crontab"; do
    for p in $(grep -ohE '(/usr/local/bin/[a-z]+|/etc/witness-anchor/[a-z.]+)' "$u" | sort -u); do
        case $p in */aws.env|*/relayer.key|*/publisher.key) continue ;; esac   # the operator's secrets
        t_check "$(basename "$u") names $p, which is installed" test -e "$D$p"
    done
done
t_eq "the installed config is the sample" "$(cmp -s cron/anchord.env "$D/etc/witness-anchor/anchord.env"; echo $?)" 0
t_expect_rc "the installed config passes anchord config" 0 "$D/usr/local/bin/anchord" --config "$D/etc/witness-anchor/anchord.env" config
for b in anchord didlog didverify seed; do
    t_eq "installed $b --version" "$("$D/usr/local/bin/$b" --version)" "$b $want"
    t_expect_rc "installed $b --help" 0 "$D/usr/local/bin/$b" --help
done
echo "WA_LOG_LEVEL=debug" >>"$D/etc/witness-anchor/anchord.env"
t_expect_rc "install again" 0 "${MK[@]}" install DESTDIR="$D"
t_check "install again keeps an edited anchord.env" grep -q '^WA_LOG_LEVEL=debug$' "$D/etc/witness-anchor/anchord.env"
t_expect_rc "make uninstall" 0 "${MK[@]}" uninstall DESTDIR="$D"
t_eq "uninstall leaves only the config" "$(cd "$D" && find . -type f)" "./etc/witness-anchor/anchord.env"

# ---- PREFIX=/usr, no DESTDIR (a scratch prefix): units rewritten to the installed paths,
# and systemd-analyze verify accepts them (it checks that ExecStart is executable).
P=$T_TMP/p
t_expect_rc "make install PREFIX=... CONFDIR=..." 0 "${MK[@]}" install PREFIX="$P/usr" CONFDIR="$P/etc/witness-anchor"
t_check "run service: ExecStart is the installed anchord" grep -qx "ExecStart=$P/usr/bin/anchord run" "$P/usr/lib/systemd/system/anchord-run.service"
t_check "run service: WA_CONFIG is the installed config" grep -qx "Environment=WA_CONFIG=$P/etc/witness-anchor/anchord.env" "$P/usr/lib/systemd/system/anchord-run.service"
t_check "ingest service: ExecStart is the installed anchord" grep -qx "ExecStart=$P/usr/bin/anchord serve" "$P/usr/lib/systemd/system/anchord-ingest.service"
t_check "crontab runs the installed anchord with the installed config" \
    grep -q " anchor WA_CONFIG=$P/etc/witness-anchor/anchord.env $P/usr/bin/anchord run " "$P/usr/share/witness-anchor/crontab"
if command -v systemd-analyze >/dev/null; then
    t_expect_rc "systemd-analyze verify: the installed units" 0 systemd-analyze verify --man=no "$P"/usr/lib/systemd/system/anchord-run.service \
        "$P"/usr/lib/systemd/system/anchord-run.timer "$P"/usr/lib/systemd/system/anchord-ingest.service
    sed -i "s#^ExecStart=$P/usr/bin/anchord#ExecStart=$P/usr/bin/nosuch#" "$P/usr/lib/systemd/system/anchord-ingest.service"
    t_expect_rc "systemd-analyze verify: fails on a unit naming a missing binary" 1 systemd-analyze verify --man=no "$P"/usr/lib/systemd/system/anchord-ingest.service
else t_skip "systemd-analyze verify" "systemd-analyze is not installed"; fi
t_done
