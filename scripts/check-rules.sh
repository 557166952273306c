#!/usr/bin/env bash
# check-rules.sh [-q] -- `make check-rules`: the mechanical "Done when" checks of issue 13 on
# the product code (the .c and .h files under core/ didlog/ verifier/ anchord/ seed/;
# tests/ and bench/ are not product):
#   (a) curl    exactly one product file calls curl_easy_init: core/io/http.c (the others
#               are listed);
#   (b) clock   at most two product files read a clock (clock_gettime, gettimeofday,
#               timespec_get, time(...), clock()): core/io/clock.c and at most one other
#               (above two, every other file is listed);
#   (c) message no strstr/strcasestr/strcmp/strncmp/strcasecmp/strncasecmp/memcmp/memmem
#               on an error message (a heuristic: an argument named e, err, msg, message,
#               why, reason, errstr, cerr, error, …, or strerror(...), or the text of a
#               jansson json_error_t (e->text, err.text), or a hiredis reply on a
#               line that tests REDIS_REPLY_ERROR), unless scripts/rules-allow.txt lists it
#               with a reason;
#   (d) size    no folder holds more than 30 % of the product lines (.c and .h, physical
#               lines), each folder counted with the files directly in it, not its
#               subfolders (README "Layout").
# Comments and the contents of string literals are ignored when matching calls.
# Prints the figures (-q: only the violations), then each violation as FILE:LINE: RULE: what.
# Report mode (default): exit 0 whatever it finds. WA_RULES_STRICT=1: exit 1 on any
# violation. Exit 2: usage or a broken allow-list.
set -u
cd "$(dirname "$0")/.."
quiet=0
case "${1:-}" in -q) quiet=1 ;; '') ;; *) echo "usage: scripts/check-rules.sh [-q]" >&2; exit 2 ;; esac
allow=scripts/rules-allow.txt
[ -f "$allow" ] || { echo "check-rules: no allow-list $allow" >&2; exit 2; }
files=$(find core didlog verifier anchord seed -name '*.[ch]' | sort)
# shellcheck disable=SC2086
QUIET=$quiet STRICT=${WA_RULES_STRICT:-0} ALLOW=$allow exec perl -e '
use strict; use warnings;
my ($quiet, $strict, $allowFile) = ($ENV{QUIET}, $ENV{STRICT} eq "1", $ENV{ALLOW});
my (@viol, @note);

# The allow-list: "message FILE FRAGMENT -- REASON"; FRAGMENT (no blanks) is a piece of the
# flagged source line with its blanks removed.
my @allow;
open my $af, "<", $allowFile or die "check-rules: $allowFile: $!\n";
while (my $l = <$af>) {
    chomp $l;
    next if $l =~ /^\s*(#|$)/;
    my ($rule, $file, $frag, $reason) = $l =~ /^(\S+)\s+(\S+)\s+(\S+)\s+--\s+(\S.*)$/
        or do { print STDERR "check-rules: $allowFile:$.: not \"message FILE FRAGMENT -- REASON\"\n"; exit 2 };
    $rule eq "message" or do { print STDERR "check-rules: $allowFile:$.: unknown rule $rule\n"; exit 2 };
    push @allow, { file => $file, frag => $frag, reason => $reason, line => $., used => 0 };
}
close $af;

# blank: the source with comments and the insides of string and character literals turned
# into blanks, newlines kept (line numbers stay right).
sub blank {
    my ($s) = @_;
    $s =~ s{(/\*.*?\*/)|(//[^\n]*)|("(?:\\.|[^"\\\n])*")|(\x27(?:\\.|[^\x27\\\n])*\x27)}{
        my $m = $&;
        if (defined $1 || defined $2) { (my $t = $m) =~ s/[^\n]/ /g; $t }
        else { my $q = substr($m, 0, 1); $q . (" " x (length($m) - 2)) . $q }
    }gse;
    return $s;
}

# args: the top-level arguments of the call whose "(" is at $pos in $s.
sub args {
    my ($s, $pos) = @_;
    my ($depth, $cur, @a) = (0, "");
    for (my $i = $pos; $i < length $s; $i++) {
        my $c = substr($s, $i, 1);
        if ($c eq "(" || $c eq "[") { $depth++; next if $depth == 1 && $c eq "("; }
        elsif ($c eq ")" || $c eq "]") { $depth--; if ($depth == 0) { push @a, $cur; last } }
        elsif ($c eq "," && $depth == 1) { push @a, $cur; $cur = ""; next }
        $cur .= $c;
    }
    return @a;
}

# isMessage: the argument looks like an error message.
sub isMessage {
    my ($a) = @_;
    return 1 if $a =~ /\b(?:curl_easy_|curl_multi_)?strerror\s*\(/;
    return 0 if $a =~ /\(\s*[^)]*\)\s*$/ && $a !~ /^\s*\(/;     # another call: judged by its name above
    my ($last) = $a =~ /([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*$/ or return 0;
    return 1 if $last =~ /^(?:e|err|errs|errbuf|errmsg|errstr|errtext|emsg|msg|message|why|reason|cerr|error|errors|detail)$/i;
    return 1 if $last =~ /(?:Err|_err|Msg|_msg|Message|_message)$/;
    return 1 if $a =~ /\b(?:e|err|error|jerr)\s*(?:->|\.)\s*text\s*$/;   # jansson json_error_t
    return 0;
}

my (%curl, %clock, %lines, %seen, $total);
my ($curlHome, $clockHome) = ("core/io/http.c", "core/io/clock.c");
for my $f (@ARGV) {
    open my $fh, "<", $f or die "check-rules: $f: $!\n";
    local $/; my $src = <$fh>; close $fh;
    my @orig = split /\n/, $src, -1;
    my $n = () = $src =~ /\n/g;
    $n++ if length $src && substr($src, -1) ne "\n";
    (my $dir = $f) =~ s{/[^/]*$}{};
    $lines{$dir} += $n; $total += $n;
    my $code = blank($src);
    my @cl = split /\n/, $code, -1;
    for my $i (0 .. $#cl) {
        my $l = $cl[$i];
        push @{$curl{$f}}, $i + 1 if $l =~ /\bcurl_easy_init\s*\(/;
        push @{$clock{$f}}, $i + 1
            if $l =~ /\b(?:clock_gettime|gettimeofday|timespec_get)\s*\(|(?<![\w.>])time\s*\(|(?<![\w.>])clock\s*\(\s*\)/;
    }
    while ($code =~ /\b(strstr|strcasestr|strcmp|strncmp|strcasecmp|strncasecmp|memcmp|memmem)\s*\(/g) {
        my ($fn, $open) = ($1, $+[0] - 1);
        my $ln = 1 + (() = substr($code, 0, $open) =~ /\n/g);
        my @a = args($code, $open);
        my @cand = $fn =~ /^(?:strstr|strcasestr|memmem)$/ ? ($a[0] // "") : ($a[0] // "", $a[1] // "");
        my $hit = grep { isMessage($_) } @cand;
        $hit ||= $cl[$ln - 1] =~ /\bREDIS_REPLY_ERROR\b/ && grep { /->\s*str\s*$/ } @cand;
        next unless $hit;
        my $text = $orig[$ln - 1];
        (my $dense = $text) =~ s/\s+//g;
        my ($ok) = grep { $_->{file} eq $f && index($dense, $_->{frag}) >= 0 } @allow;
        if ($ok) { $ok->{used}++; next }
        (my $t = $text) =~ s/^\s+//;
        push @viol, "$f:$ln: message: a string test on an error message decides: $t" unless $seen{"$f:$ln"}++;
    }
}

# (a)
my @cf = sort keys %curl;
push @viol, map { my $f = $_; map { "$f:$_: curl: curl_easy_init outside the one HTTP client ($curlHome)" } @{$curl{$f}} }
    grep { $_ ne $curlHome } @cf if @cf != 1;
push @viol, "(no file): curl: no product file calls curl_easy_init" if !@cf;
# (b)
my @kf = sort keys %clock;
push @viol, map { my $f = $_; map { "$f:$_: clock: a clock read outside $clockHome (" . scalar(@kf) . " product files read a clock, at most 2)" } @{$clock{$f}} }
    grep { $_ ne $clockHome } @kf if @kf > 2;
# (d)
my %rec;
for my $d (keys %lines) { my $p = $d; while (1) { $rec{$p} += $lines{$d}; last unless $p =~ s{/[^/]*$}{}; } }
for my $d (sort keys %lines) {
    push @viol, sprintf("%s/: size: %d of %d product lines (%.1f %% > 30 %%)", $d, $lines{$d}, $total, 100 * $lines{$d} / $total)
        if $lines{$d} * 10 > $total * 3;
}
for my $a (@allow) { push @note, "$allowFile:$a->{line}: allow entry matches nothing ($a->{file} $a->{frag})" unless $a->{used} }

unless ($quiet) {
    print "check-rules: the mechanical checks of issue 13 (product code: core didlog verifier anchord seed)\n";
    printf "(a) files calling curl_easy_init: %d (exactly 1)\n", scalar @cf;
    print "      $_: lines @{$curl{$_}}\n" for @cf;
    printf "(b) files reading a clock: %d (at most 2)\n", scalar @kf;
    print "      $_: lines @{$clock{$_}}\n" for @kf;
    my $allowed = 0; $allowed += $_->{used} for @allow;
    printf "(c) string tests on an error message: %d flagged, %d allowed by %s\n",
        scalar(grep { /: message: / } @viol), $allowed, $allowFile;
    printf "(d) product lines per folder (non-recursive; at most 30 %%), total %d:\n", $total;
    printf "      %-20s %6d %5.1f %%   recursive %6d %5.1f %%%s\n", $_, $lines{$_}, 100 * $lines{$_} / $total,
        $rec{$_}, 100 * $rec{$_} / $total, $lines{$_} * 10 > $total * 3 ? "   OVER" : "" for sort keys %lines;
}
print "check-rules: $_\n" for @note;
if (@viol) {
    printf "check-rules: %d violation(s)%s:\n", scalar @viol, $strict ? "" : " (report mode: not failing; WA_RULES_STRICT=1 fails)";
    print "  $_\n" for @viol;
    exit($strict ? 1 : 0);
}
print "check-rules: no violations\n" unless $quiet;
exit 0;
' $files
