#!/usr/bin/env bash
# make deps: install every build and test dependency on a fresh Debian machine,
# idempotently: Debian packages first (only the missing ones, one dpkg query),
# then the Go-built test tools (kube-apiserver & co, etcd, kwok, helm, and
# kubectl when the machine has none), cached outside the repo by
# tests/env/build-tools.sh. With everything in place it takes well under a
# second and needs neither root nor Go.
#
# Run it as a user (apt-get goes through sudo) or as root. Under `sudo make
# deps` the Go tools are built as the invoking user ($SUDO_USER), so that their
# cache lands in that user's ~/.cache/fluxc, where later unprivileged runs look.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

pkgs=(
  # build
  gcc make pkg-config libgit2-dev libyaml-dev libcurl4-openssl-dev libssl-dev
  libuv1-dev libjson-c-dev zlib1g-dev libarchive-dev libmicrohttpd-dev libgpgme-dev
  # sanitizers and fuzzing
  clang libclang-rt-14-dev
  # tests: real servers and clients (openssl, curl, jq, util-linux's setsid and
  # flock, iproute2's ss are used by the local control plane scripts)
  git openssl curl jq yq nginx fcgiwrap openssh-server openssh-client gnupg
  docker-registry procps psmisc iproute2 time util-linux ca-certificates
)
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${pkgs[@]}" 2>/dev/null |
  awk '$NF == "installed" {print $1}' | sed 's/:.*//' || true)
missing=()
for p in "${pkgs[@]}"; do
  grep -qxF "$p" <<<"$installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null ||
      { echo "deps: missing Debian packages (${missing[*]}); run as root or install sudo" >&2; exit 1; }
    SUDO="sudo DEBIAN_FRONTEND=noninteractive"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # nginx/ssh/registry packages may start system services; tests run their own.
  for s in nginx ssh docker-registry fcgiwrap; do
    if command -v systemctl >/dev/null; then $SUDO systemctl stop "$s" >/dev/null 2>&1 || true; fi
  done
fi

# Go on the secure PATH of sudo is often missing; the usual install location.
command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && PATH=$PATH:/usr/local/go/bin; }
if [ "$(id -u)" = 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ] &&
   [ -z "${FLUXC_CACHE:-}" ] && command -v sudo >/dev/null; then
  exec sudo -u "$SUDO_USER" -H env "PATH=$PATH" "$here/build-tools.sh"
fi
exec "$here/build-tools.sh"
