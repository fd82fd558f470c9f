#!/usr/bin/env bash
# Create a SoftHSM2 token in DIR and import one signing key + certificate into it (tests and demo only).
#
# Usage: scripts/softhsm-init.sh DIR TOKEN_LABEL USER_PIN KEY.pem CERT.pem [OBJECT_LABEL]
#
# Writes DIR/softhsm2.conf (tokens under DIR/tokens) and prints "SOFTHSM2_CONF=DIR/softhsm2.conf":
# every later use of the token (pyHanko, pkcs11-tool) must run with that variable set.
# The key is imported with pkcs11-tool (OpenSC) under OBJECT_LABEL (default "signer"), id 01, with the
# certificate under the same label and id. The SO PIN is the user PIN reversed (a throwaway token).
# PKCS11_MODULE overrides the module path (default: Debian's libsofthsm2.so).
set -euo pipefail
if [ $# -lt 5 ]; then
  echo "usage: $0 DIR TOKEN_LABEL USER_PIN KEY.pem CERT.pem [OBJECT_LABEL]" >&2
  exit 2
fi
dir=$(realpath -m "$1"); label=$2; pin=$3; key=$4; cert=$5; object=${6:-signer}
module=${PKCS11_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
for tool in softhsm2-util pkcs11-tool openssl; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool (see scripts/system-packages.sh)" >&2; exit 3; }
done
mkdir -p "$dir/tokens"
# Several tokens may share DIR: the configuration is written once. SoftHSM2 reads it when a process
# first loads the module, so create every token before that process signs.
[ -f "$dir/softhsm2.conf" ] || cat > "$dir/softhsm2.conf" <<CONF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
export SOFTHSM2_CONF="$dir/softhsm2.conf"
so_pin=$(echo "$pin" | rev)
softhsm2-util --init-token --free --label "$label" --pin "$pin" --so-pin "$so_pin" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl pkcs8 -topk8 -nocrypt -in "$key" -outform DER -out "$work/key.der"
openssl x509 -in "$cert" -outform DER -out "$work/cert.der"
p11() { pkcs11-tool --module "$module" --token-label "$label" --login --pin "$pin" "$@" >/dev/null; }
p11 --write-object "$work/key.der" --type privkey --id 01 --label "$object" --usage-sign
p11 --write-object "$work/cert.der" --type cert --id 01 --label "$object"
echo "SOFTHSM2_CONF=$SOFTHSM2_CONF"
