#!/usr/bin/env bash
# image.sh -- `make image` (scripts/image.sh): the OCI archive cron/k8s.yaml runs. Checks the
# archive (OCI layout and docker's manifest.json, digests and diff_ids), its config
# (entrypoint anchord, non-root user 10001, no compiler inside), that skopeo and podman
# read and load it, and -- containers cannot start in this sandbox -- runs its root
# filesystem with chroot as user 10001: `anchord run` against real redis-server, anvil and
# a file store anchors and publishes one batch, `anchord serve` answers /health.
# Needs root and the Debian mirror: without them it is a SKIP, never a pass.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
[ "$(id -u)" -eq 0 ] || t_skip_rest image "needs root (mmdebstrap, chroot)"
command -v mmdebstrap >/dev/null || t_skip_rest image "mmdebstrap is not installed (scripts/deps.sh)"
# The image is a release artifact: built from the plain build even under make asan.
IB=build IBIN=bin
OUT=$WA_ROOT/$IB/image ARCH=$WA_ROOT/$IB/image/witness-anchor.oci.tar
if ! ls "$OUT"/base-*.tar.gz >/dev/null 2>&1; then
    curl -sf -o /dev/null --max-time 15 "${IMAGE_MIRROR:-http://deb.debian.org/debian}/dists/bookworm/InRelease" ||
        t_skip_rest image "no network to the Debian mirror (${IMAGE_MIRROR:-http://deb.debian.org/debian})"
fi
t0=$SECONDS
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make --no-print-directory -s BUILD=$IB BIN=$IBIN image >"$T_TMP/image.log" 2>&1
t_eq "make image: exit 0" "$?" 0 || { tail -5 "$T_TMP/image.log"; t_done; exit 1; }
echo "make image: $((SECONDS - t0)) s"
want=$(cat "$WA_ROOT/$IB/version.stamp")

# ---- the archive
X=$T_TMP/x; mkdir -p "$X" && tar -xf "$ARCH" -C "$X"
t_eq "OCI layout version" "$(jq -r .imageLayoutVersion "$X/oci-layout")" 1.0.0
t_eq "index: one image, named witness-anchor:latest" \
    "$(jq -r '[.manifests[].annotations["org.opencontainers.image.ref.name"]] | join(",")' "$X/index.json")" "witness-anchor:latest"
blobok() { [ "$(sha256sum "$X/blobs/sha256/${1#sha256:}" | cut -d' ' -f1)" = "${1#sha256:}" ]; }
M=$(jq -r '.manifests[0].digest' "$X/index.json")
t_check "manifest blob matches its digest" blobok "$M"
MF=$X/blobs/sha256/${M#sha256:}; C=$(jq -r .config.digest "$MF"); CF=$X/blobs/sha256/${C#sha256:}
t_check "config blob matches its digest" blobok "$C"
n=0
for l in $(jq -r '.layers[].digest' "$MF"); do
    t_check "layer $n matches its digest" blobok "$l"
    t_eq "layer $n: diff_id is the uncompressed digest" "sha256:$(gzip -dc "$X/blobs/sha256/${l#sha256:}" | sha256sum | cut -d' ' -f1)" \
        "$(jq -r ".rootfs.diff_ids[$n]" "$CF")"
    n=$((n + 1))
done
t_eq "two layers (Debian base, programs)" "$n" 2
t_eq "docker manifest.json: same config and layers, tagged latest and the version" \
    "$(jq -r '.[0] | [.Config, (.Layers | join(",")), (.RepoTags | join(","))] | join(" ")' "$X/manifest.json")" \
    "blobs/sha256/${C#sha256:} $(jq -r '[.layers[].digest | "blobs/sha256/" + ltrimstr("sha256:")] | join(",")' "$MF") witness-anchor:latest,witness-anchor:$want"
t_eq "config: entrypoint anchord" "$(jq -c .config.Entrypoint "$CF")" '["/usr/local/bin/anchord"]'
t_eq "config: user 10001:10001 (numeric: runAsNonRoot can check it)" "$(jq -r .config.User "$CF")" "10001:10001"
t_eq "config: linux/amd64" "$(jq -r '.os + "/" + .architecture' "$CF")" linux/amd64
t_eq "config: version label" "$(jq -r '.config.Labels["org.opencontainers.image.version"]' "$CF")" "$want"
if command -v skopeo >/dev/null; then
    t_eq "skopeo reads the OCI archive: entrypoint and user" \
        "$(skopeo inspect --config "oci-archive:$ARCH" 2>&1 | jq -c '[.config.Entrypoint, .config.User]')" '[["/usr/local/bin/anchord"],"10001:10001"]'
    t_eq "skopeo reads the docker archive: two layers" "$(skopeo inspect "docker-archive:$ARCH" 2>&1 | jq '.Layers | length')" 2
else t_skip "skopeo inspect" "skopeo is not installed (scripts/deps.sh)"; fi
if command -v podman >/dev/null; then
    P=(podman --root "$T_TMP/podman/root" --runroot "$T_TMP/podman/run" --storage-driver vfs)
    t_expect_rc "podman load" 0 "${P[@]}" load -i "$ARCH"
    t_eq "podman: loaded as witness-anchor:latest, user and entrypoint" \
        "$("${P[@]}" image inspect witness-anchor:latest --format '{{.Config.User}} {{index .Config.Entrypoint 0}}' 2>&1)" \
        "10001:10001 /usr/local/bin/anchord"
    "${P[@]}" rmi -a -f >/dev/null 2>&1
else t_skip "podman load" "podman is not installed (scripts/deps.sh)"; fi

# ---- the root filesystem, layer over layer
R=$T_TMP/root; mkdir -p "$R"
for l in $(jq -r '.layers[].digest' "$MF"); do tar -xzf "$X/blobs/sha256/${l#sha256:}" -C "$R" --numeric-owner; done
t_eq "no compiler inside: no cc, gcc, c++, clang, cc1, as, ld" \
    "$(find "$R/usr/bin" "$R/usr/sbin" "$R/usr/local/bin" "$R/usr/lib" "$R/usr/libexec" \( -type f -o -type l \) \( -name cc -o -name 'gcc*' \
        -o -name 'c++' -o -name 'g++*' -o -name 'clang*' -o -name 'cc1*' -o -name as -o -name ld -o -name ld.bfd -o -name ld.gold -o -name 'x86_64-linux-gnu-*' \) \
        2>/dev/null | head -3)" ""
t_eq "no compiler package installed (gcc, cpp, binutils, clang, libc6-dev)" \
    "$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f '${Package}\n' | grep -E '^(gcc(-[0-9]+)?|cpp(-[0-9]+)?|binutils.*|clang.*|libc6-dev|tcc)$' | head -3)" ""
t_eq "no apt inside (only dpkg's database)" "$(ls "$R/usr/bin/apt" "$R/usr/bin/apt-get" 2>/dev/null | wc -l)" 0
t_check "CA certificates (HTTPS RPC and S3)" test -s "$R/etc/ssl/certs/ca-certificates.crt"
t_check "user anchor is 10001" grep -qx 'anchor:x:10001:10001:Witness Anchor:/var/lib/witness-anchor:/usr/sbin/nologin' "$R/etc/passwd"
t_eq "its home is its own" "$(stat -c '%u:%g %a' "$R/var/lib/witness-anchor")" "10001:10001 750"
CH=(chroot --userspec=10001:10001 "$R")
t_eq "anchord --version in the image, as 10001" "$("${CH[@]}" /usr/local/bin/anchord --version 2>&1)" "anchord $want"
for b in didlog didverify seed; do t_eq "$b --version in the image" "$("${CH[@]}" /usr/local/bin/$b --version 2>&1)" "$b $want"; done
t_eq "every shared library resolves in the image" "$(chroot "$R" /usr/bin/ldd /usr/local/bin/anchord /usr/local/bin/didverify | grep -c 'not found')" 0

# ---- anchord from the image against real redis-server, anvil and a file store, with its
# keys delivered as cron/k8s.yaml's CronJob does: the Secret's files (root-owned, 0444, as
# the kubelet writes them) copied by the init container's own command, as 10001, into an
# emptyDir; anchord gets the *_KEY_FILE paths the manifest gives it.
pipe_env "file://$R/var/lib/witness-anchor/public" || pipe_env_failed
mkdir -p "$R/var/lib/witness-anchor/public" && chown 10001:10001 "$R/var/lib/witness-anchor/public"
node -e '
  const y = require(process.argv[1] + "/tests/node/node_modules/js-yaml");
  const cj = y.loadAll(require("fs").readFileSync(process.argv[1] + "/cron/k8s.yaml", "utf8")).find((d) => d && d.kind === "CronJob");
  const s = cj.spec.jobTemplate.spec.template.spec, init = s.initContainers[0], main = s.containers[0];
  const mnt = (n) => init.volumeMounts.find((m) => m.name === n).mountPath;
  const sv = s.volumes.find((v) => v.secret);
  console.log(JSON.stringify({cmd: init.command, src: mnt(sv.name), dst: init.volumeMounts.find((m) => m.name !== sv.name).mountPath,
    items: sv.secret.items.map((i) => i.path), env: main.env.filter((e) => /_KEY_FILE$/.test(e.name)).map((e) => e.name + "=" + e.value)}));
' "$WA_ROOT" >"$T_TMP/k8s.json"
SRC=$(jq -r .src "$T_TMP/k8s.json") DST=$(jq -r .dst "$T_TMP/k8s.json")
mkdir -p "$R$SRC" "$R$DST" && chmod 777 "$R$DST"                   # an emptyDir is 0777
cp "$T_TMP/relayer.key" "$R$SRC/relayer.key"; cp "$T_TMP/publisher.key" "$R$SRC/publisher.key"
chown 0:0 "$R$SRC"/*; chmod 444 "$R$SRC"/*
t_eq "k8s: the secret volume has the files the manifest lists" "$(cd "$R$SRC" && ls | paste -sd,)" "$(jq -r '.items | sort | join(",")' "$T_TMP/k8s.json")"
mapfile -t ICMD < <(jq -r '.cmd[]' "$T_TMP/k8s.json")
t_expect_rc "k8s: the init container's command runs in the image as 10001" 0 "${CH[@]}" "${ICMD[@]}"
t_eq "k8s: key copies are 0600, owned by 10001" "$(stat -c '%a %u' "$R$DST"/* | sort -u)" "600 10001"
mapfile -t KENV < <(jq -r '.env[]' "$T_TMP/k8s.json")
t_check "register 5 DIDs (host tools, same Redis)" "$TT" enqueue-dids 0 5
IENV=(env -i WA_REDIS_URL="$WA_REDIS_URL" WA_RPC_URLS="$WA_RPC_URLS" WA_CHAIN_ID=31337 WA_CONTRACT="$WA_CONTRACT" "${KENV[@]}"
      WA_STORE=file:///var/lib/witness-anchor/public WA_DOMAIN=localhost%3A8080 WA_BATCH_MAX_WAIT=0 WA_POLL_MS=50)
t_expect_rc "k8s: a key file as the secret volume has it (0444) is refused" 3 "${CH[@]}" "${IENV[@]}" \
    WA_RELAYER_KEY_FILE="$SRC/relayer.key" /usr/local/bin/anchord run
t_check "k8s: ... because of its mode" grep -q 'relayer.key: key file must be mode 0600' "$T_TMP/last.err"
"${CH[@]}" "${IENV[@]}" /usr/local/bin/anchord run >"$T_TMP/irun.out" 2>"$T_TMP/irun.log"
t_eq "anchord run from the image: exit 0" "$?" 0 || tail -5 "$T_TMP/irun.log"
t_eq "one batch anchored on chain" "$("$AD" batch-count 2>/dev/null)" 1
"$TT" check >"$T_TMP/check.out" 2>"$T_TMP/check.err"
t_eq "published by the image: every file valid (test-tool check)" "$?" 0
t_check "published: 5 DIDs, batch 0 manifest" grep -q "summary dids=5 entries=5 batches=1 staging=0 failures=0" "$T_TMP/check.out"
t_check "published roots are on chain" pipe_chain_roots "$T_TMP/check.out"
t_eq "published files belong to the image's user" "$(stat -c %u "$R/var/lib/witness-anchor/public/batches/0.json")" 10001
HP=$(freeport)
"${CH[@]}" "${IENV[@]}" WA_LISTEN=127.0.0.1:$HP /usr/local/bin/anchord serve >/dev/null 2>"$T_TMP/iserve.log" &
T_PIDS+=($!)
wait_port "$HP" 10
t_eq "anchord serve from the image: GET /health 200" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HP/health")" 200
t_done
