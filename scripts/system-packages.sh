#!/usr/bin/env bash
# Install the Debian packages the project needs, once; quiet when everything is there.
set -euo pipefail
need=()
command -v msgfmt >/dev/null || need+=(gettext)
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v xmlsec1 >/dev/null || need+=(xmlsec1)
command -v certutil >/dev/null || need+=(libnss3-tools)
command -v softhsm2-util >/dev/null || need+=(softhsm2)
command -v pkcs11-tool >/dev/null || need+=(opensc)
command -v chromium >/dev/null || need+=(chromium)
command -v redis-server >/dev/null || need+=(redis-server)
# The lookup bench's load generator (bench/bench_verification.py --load wrk): C, so it leaves the cores to the server.
command -v wrk >/dev/null || need+=(wrk)
# nginx lives in /usr/sbin, which is not on every user's PATH: the deployment test starts it.
{ command -v nginx >/dev/null || test -x /usr/sbin/nginx; } || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
