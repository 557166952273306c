#!/usr/bin/env bash
# check-layers.sh [TABLE] -- `make check-layers`: every #include "dir/x.h" of a product
# file (core/ didlog/ verifier/ anchord/ seed/) names its own folder or one its row of
# TABLE (default scripts/layers.txt) allows, or is listed there as "except FILE HEADER".
# A row may name one file (a program's main, which sits above its folder's library):
# that file is then checked against its own row instead of its folder's.
# Prints each include that points the wrong way; exit 0 none, 1 some, 2 usage.
set -u
cd "$(dirname "$0")/.."
table=${1:-scripts/layers.txt}
[ -f "$table" ] || { echo "check-layers: no table $table" >&2; exit 2; }
declare -A allow except
while read -r f rest; do
    case "$f" in
        ''|\#*) continue ;;
        except) set -- $rest; except["$1 $2"]=1 ;;
        *) allow[$f]=" ${rest%%#*} " ;;
    esac
done <"$table"
bad=0
while read -r src; do
    dir=$(dirname "$src"); row=$dir
    [ -n "${allow[$src]+x}" ] && row=$src
    if [ -z "${allow[$row]+x}" ]; then echo "$src: folder $dir has no row in $table"; bad=1; continue; fi
    while IFS=: read -r ln inc; do
        inc=${inc#*\"}; inc=${inc%\"*}; idir=$(dirname "$inc")
        [ "$idir" = "$dir" ] && continue
        [ -n "${except["$src $inc"]+x}" ] && continue
        case "${allow[$row]}" in *" $idir "*) ;; *) echo "$src:$ln: $row may not include $inc"; bad=1 ;; esac
    done < <(grep -n '^#include "' "$src")
done < <(find core didlog verifier anchord seed -name '*.[ch]' | sort)
[ $bad -eq 0 ] && echo "check-layers: every include points down ($table)"
exit $bad
