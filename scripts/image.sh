#!/usr/bin/env bash
# image.sh -- `make image`: the OCI image cron/k8s.yaml runs, from Debian packages only.
#
# Layer 1: a Debian bookworm root filesystem built by mmdebstrap (variant "essential":
#   dpkg, coreutils, bash, no apt, no compiler) plus the shared libraries the programs
#   link (the runtime half of the Makefile's PKGS) and ca-certificates. Cached under
#   $BUILD/image/ by its package list and sources (IMAGE_REFRESH=1 rebuilds it, e.g. for
#   security updates).
# Layer 2: anchord, didlog, didverify, seed in /usr/local/bin (where cron/ expects them),
#   the user anchor (uid/gid 10001) and its home /var/lib/witness-anchor (the working
#   directory: the embedded default store file://./public lands there).
# Config: Entrypoint /usr/local/bin/anchord, Cmd --help, User 10001:10001.
#
# Output: $BUILD/image/$IMAGE.oci.tar, one archive in both layouts: an OCI image layout
# (oci-layout, index.json; `podman load`, `skopeo copy oci-archive:…`) and docker's
# manifest.json (`docker load`), tagged $IMAGE:latest and $IMAGE:$VERSION. Needs root
# (mmdebstrap, file owners) and the Debian mirror (IMAGE_MIRROR, IMAGE_SECURITY_MIRROR).
# Exit 0 built, 1 failed (one line saying why).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build} BIN=${BIN:-bin} IMAGE=${IMAGE:-witness-anchor} VERSION=${VERSION:-unknown}
MIRROR=${IMAGE_MIRROR:-http://deb.debian.org/debian}
SECURITY=${IMAGE_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
OUT=$BUILD/image
PROGS="anchord didlog didverify seed"
# The runtime libraries of the Makefile's PKGS (libsodium libsecp256k1 jansson libcurl
# hiredis libmicrohttpd nettle openssl libidn2), and the CA certificates for HTTPS.
RUNTIME="libsodium23,libsecp256k1-1,libjansson4,libcurl4,libhiredis0.14,libmicrohttpd12,libnettle8,libssl3,libidn2-0,ca-certificates"
UID_=10001 HOME_=/var/lib/witness-anchor

die() { echo "image: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap and the files' owners); run as root or with sudo"
command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (make deps)"
for p in $PROGS; do [ -x "$BIN/$p" ] || die "$BIN/$p is missing (make)"; done
tag=$(printf '%s' "$VERSION" | tr -c 'A-Za-z0-9_.-' '-' | cut -c1-128)
epoch=$( (git log -1 --format=%ct 2>/dev/null || date +%s) | tail -1)
mkdir -p "$OUT"

# ---- layer 1: the Debian base, cached by what goes into it
sources=("deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" "deb $SECURITY bookworm-security main")
key=$(printf '%s\n' "v1" "$RUNTIME" "${sources[@]}" | sha256sum | cut -c1-16)
base=$OUT/base-$key.tar.gz
if [ ! -s "$base" ] || [ -n "${IMAGE_REFRESH:-}" ]; then
    echo "image: mmdebstrap bookworm (essential + $RUNTIME)"
    rm -f "$OUT"/base-*.tar.gz
    SOURCE_DATE_EPOCH=$epoch mmdebstrap --quiet --variant=essential --include="$RUNTIME" \
        --aptopt='Acquire::Check-Valid-Until "false"' \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
        --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        bookworm "$OUT/base.tar" "${sources[@]}" >"$OUT/mmdebstrap.log" 2>&1 ||
        { tail -5 "$OUT/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $OUT/mmdebstrap.log)"; }
    gzip -n -f "$OUT/base.tar"
    mv "$OUT/base.tar.gz" "$base"
else
    echo "image: Debian base from the cache ($base)"
fi

# ---- layer 2: the programs, the user, its home
app=$OUT/app
rm -rf "$app" && mkdir -p "$app/usr/local/bin" "$app/etc" "$app$HOME_"
for p in $PROGS; do install -m 755 -s "$BIN/$p" "$app/usr/local/bin/$p"; done
tar -xzOf "$base" ./etc/passwd >"$app/etc/passwd"
tar -xzOf "$base" ./etc/group >"$app/etc/group"
echo "anchor:x:$UID_:$UID_:Witness Anchor:$HOME_:/usr/sbin/nologin" >>"$app/etc/passwd"
echo "anchor:x:$UID_:" >>"$app/etc/group"
chmod 644 "$app/etc/passwd" "$app/etc/group"
chown -R 0:0 "$app" && chown "$UID_:$UID_" "$app$HOME_" && chmod 750 "$app$HOME_"
find "$app" -exec touch -h -d "@$epoch" {} +
tar -C "$app" --sort=name --numeric-owner --format=gnu -cf - . | gzip -n >"$OUT/app.tar.gz"

# ---- the image layout: blobs by digest, config, manifest, index, docker's manifest.json
lay=$OUT/layout
rm -rf "$lay" && mkdir -p "$lay/blobs/sha256"
blob() {   # blob FILE: move FILE into blobs/, print its digest (hex)
    local d; d=$(sha256sum "$1" | cut -d' ' -f1)
    mv "$1" "$lay/blobs/sha256/$d"; echo "$d"
}
cp "$base" "$OUT/l1.tar.gz"
diff1=$(gzip -dc "$base" | sha256sum | cut -d' ' -f1)
diff2=$(gzip -dc "$OUT/app.tar.gz" | sha256sum | cut -d' ' -f1)
l1=$(blob "$OUT/l1.tar.gz"); l2=$(blob "$OUT/app.tar.gz")
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
jq -cn --arg created "$created" --arg d1 "sha256:$diff1" --arg d2 "sha256:$diff2" --arg v "$VERSION" \
    --arg user "$UID_:$UID_" --arg home "$HOME_" --arg rt "$RUNTIME" '{
  architecture: "amd64", os: "linux", created: $created,
  config: {User: $user, Entrypoint: ["/usr/local/bin/anchord"], Cmd: ["--help"], WorkingDir: $home,
           Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
           ExposedPorts: {"8080/tcp": {}},
           Labels: {"org.opencontainers.image.title": "witness-anchor", "org.opencontainers.image.version": $v,
                    "org.opencontainers.image.description": "anchord, didlog, didverify, seed on Debian bookworm"}},
  rootfs: {type: "layers", diff_ids: [$d1, $d2]},
  history: [{created: $created, created_by: ("mmdebstrap --variant=essential bookworm --include=" + $rt)},
            {created: $created, created_by: "make image: /usr/local/bin/{anchord,didlog,didverify,seed}, user anchor (10001)"}]
}' >"$OUT/config.json"
csize=$(stat -c %s "$OUT/config.json"); cfg=$(blob "$OUT/config.json")
jq -cn --arg c "sha256:$cfg" --argjson cs "$csize" \
    --arg l1 "sha256:$l1" --argjson s1 "$(stat -c %s "$lay/blobs/sha256/$l1")" \
    --arg l2 "sha256:$l2" --argjson s2 "$(stat -c %s "$lay/blobs/sha256/$l2")" '{
  schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
  layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $l1, size: $s1},
           {mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $l2, size: $s2}]
}' >"$OUT/manifest.json"
msize=$(stat -c %s "$OUT/manifest.json"); man=$(blob "$OUT/manifest.json")
jq -cn --arg m "sha256:$man" --argjson ms "$msize" --arg img "$IMAGE" --arg tag "$tag" '{
  schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
  manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
               annotations: {"org.opencontainers.image.ref.name": ($img + ":latest"),
                             "io.containerd.image.name": ("docker.io/library/" + $img + ":latest")}}]
}' >"$lay/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$lay/oci-layout"
jq -cn --arg c "blobs/sha256/$cfg" --arg img "$IMAGE" --arg tag "$tag" --arg l1 "blobs/sha256/$l1" --arg l2 "blobs/sha256/$l2" \
    '[{Config: $c, RepoTags: [($img + ":latest"), ($img + ":" + $tag)], Layers: [$l1, $l2]}]' >"$lay/manifest.json"
find "$lay" -exec touch -h -d "@$epoch" {} +
tar -C "$lay" --sort=name --numeric-owner --owner=0 --group=0 --format=gnu -cf "$OUT/$IMAGE.oci.tar" .
rm -rf "$lay" "$app"
echo "image: $OUT/$IMAGE.oci.tar ($IMAGE:latest, $IMAGE:$tag; $(du -h "$OUT/$IMAGE.oci.tar" | cut -f1))"
