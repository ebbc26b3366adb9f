# Pinned versions of every test-time tool built from Go modules. Changing a
# version here is the only way to trigger a rebuild of the cached binaries.
KUBE_VERSION=v1.34.4
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.7.0
HELM_VERSION=v4.3.1
# Where built tools are cached: outside the repository, reused across runs.
FLUXC_CACHE=${FLUXC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fluxc}
TOOLS_BIN=$FLUXC_CACHE/bin
