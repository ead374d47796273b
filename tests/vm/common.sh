# Shared settings for the guest rig scripts (sourced, not run).
# shellcheck shell=bash

GIID_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
GIID_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/gst-iio-dmabuf
# The guest kernel: GIID_KERNEL names a Debian linux-source package's
# version (6.12, the default; 7.2 from trixie-backports; 6.1, which has no
# IIO DMABUF). tests/setup installs all three.
GIID_KERNEL=${GIID_KERNEL:-6.12}
case "$GIID_KERNEL" in
  6.1|6.12|7.2) ;;
  *) printf '[vm] error: GIID_KERNEL=%s: want 6.1, 6.12 or 7.2\n' "$GIID_KERNEL" >&2; exit 1 ;;
esac
# GIID_KERNEL_FLAVOUR=debug adds tests/kernel/debug.config (KASAN, lockdep,
# kmemleak): a kernel of its own, cached beside the plain one.
GIID_KERNEL_FLAVOUR=${GIID_KERNEL_FLAVOUR:-}
case "$GIID_KERNEL_FLAVOUR" in
  ''|debug) ;;
  *) printf '[vm] error: GIID_KERNEL_FLAVOUR=%s: want debug or nothing\n' "$GIID_KERNEL_FLAVOUR" >&2; exit 1 ;;
esac
GIID_KSRC_PKG=linux-source-$GIID_KERNEL
GIID_KSRC_TARBALL=/usr/src/$GIID_KSRC_PKG.tar.xz

giid_log() { printf '[vm] %s\n' "$*" >&2; }
giid_die() { printf '[vm] error: %s\n' "$*" >&2; exit 1; }

# The config fragments of the kernel asked for, in the order they apply.
giid_kernel_fragments() {
  echo "$GIID_TOP/tests/kernel/guest.config"
  [ -z "$GIID_KERNEL_FLAVOUR" ] || echo "$GIID_TOP/tests/kernel/$GIID_KERNEL_FLAVOUR.config"
}

# The cache key: the config fragments, the exact Debian source version and the
# build recipe. Any change to one of them builds a new tree beside the old one.
# (The plain kernel's key is the same as before flavours existed.)
giid_kernel_key() {
  local ver
  ver=$(dpkg-query -W -f='${Version}' "$GIID_KSRC_PKG" 2>/dev/null) || ver=unknown
  { cat $(giid_kernel_fragments); echo "$ver";
    cat "$GIID_TOP/tests/vm/build-kernel"; } | sha256sum | cut -c1-16
}

giid_kernel_dir() { echo "$GIID_CACHE/kernel-$(giid_kernel_key)"; }

# The mirror of the host's own Debian suite, as apt's sources name it (no
# host name is written into the project: tests/setup and build-root read it
# here).
giid_debian_mirror() {
  local codename
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
    awk -v s="$codename" '$2 == s { print $1; exit }'
}
