#!/usr/bin/env bash
# Verification cost of a 1 GiB image: aciswarm's verifier (RNP, in-process)
# against `gpg --verify` on the same file and signature, in the same run.
# CPU time (user + sys) from /usr/bin/time; 3 rounds each, alternating.
# usage: bench/trust-verify.sh [BUILD_DIR] [SIZE_MIB]
set -euo pipefail
build=${1:-build}
size_mib=${2:-1024}
work=$(mktemp -d /tmp/trust-bench.XXXXXX)
export GNUPGHOME="$work/gnupg"
cleanup() { gpgconf --kill all 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir -m 700 "$GNUPGHOME"
head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$work/image.aci"
gpg --batch --quiet --passphrase '' --quick-gen-key "bench <bench@example.com>" ed25519 sign never
gpg --batch --quiet --armor --export >"$work/key.asc"
gpg --batch --quiet --armor --detach-sign -o "$work/image.aci.asc" "$work/image.aci"
cat "$work/image.aci" >/dev/null # page cache warm for both
for round in 1 2 3; do
    /usr/bin/time -a -o "$work/times" -f "round $round aciswarm %U user %S sys %e wall" \
        "$build/bin/aciswarm-trust-verify" "$work/image.aci" "$work/image.aci.asc" "$work/key.asc" >/dev/null
    /usr/bin/time -a -o "$work/times" -f "round $round gpg      %U user %S sys %e wall" \
        gpg --batch --quiet --verify "$work/image.aci.asc" "$work/image.aci" 2>/dev/null
done
cat "$work/times"
