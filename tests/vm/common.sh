# Shared settings for the guest rig scripts (sourced, not run).
# shellcheck shell=bash

GIID_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
GIID_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/gst-iio-dmabuf
GIID_KSRC_TARBALL=/usr/src/linux-source-6.12.tar.xz

giid_log() { printf '[vm] %s\n' "$*" >&2; }
giid_die() { printf '[vm] error: %s\n' "$*" >&2; exit 1; }

# The cache key: the config fragment, the exact Debian source version and the
# build recipe. Any change to one of them builds a new tree beside the old one.
giid_kernel_key() {
  local ver
  ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) || ver=unknown
  { cat "$GIID_TOP/tests/kernel/guest.config"; echo "$ver";
    cat "$GIID_TOP/tests/vm/build-kernel"; } | sha256sum | cut -c1-16
}

giid_kernel_dir() { echo "$GIID_CACHE/kernel-$(giid_kernel_key)"; }
