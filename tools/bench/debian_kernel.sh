#!/usr/bin/env bash
# debian_kernel: prints the path of Debian's Linux kernel (vmlinuz) that the
# benchmark drivers boot beside osv, fetching it once.
#
#   debian_kernel.sh CACHE_DIR
#
# When CACHE_DIR/boot holds no vmlinuz-*-amd64 yet: `apt-get download
# linux-image-amd64` and the linux-image-<version>-amd64 package it depends
# on, into CACHE_DIR, and unpack that package's ./boot there with dpkg-deb.
# Prints the newest CACHE_DIR/boot/vmlinuz-*-amd64 on stdout; progress and
# errors on stderr (exit status 2 on failure). Delete CACHE_DIR to fetch a
# newer kernel. The caller keeps CACHE_DIR outside the repository.
set -uo pipefail

die() {
    echo "debian_kernel: $*" >&2
    exit 2
}

[ $# -eq 1 ] && [ -n "$1" ] || die "usage: debian_kernel.sh CACHE_DIR"
cache_dir=$1

newest_vmlinuz() {
    ls "$cache_dir"/boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -1
}

vmlinuz=$(newest_vmlinuz)
if [ -z "$vmlinuz" ]; then
    echo "debian_kernel: fetching Debian's kernel into $cache_dir (once)" >&2
    mkdir -p "$cache_dir" || die "cannot create $cache_dir"
    (
        cd "$cache_dir" || exit 1
        rm -f linux-image-*.deb
        apt-get download linux-image-amd64 >/dev/null 2>download.log || exit 1
        dep=$(dpkg-deb -f linux-image-amd64_*.deb Depends | grep -o 'linux-image-[0-9][^ ,]*-amd64' | head -1)
        [ -n "$dep" ] || exit 1
        apt-get download "$dep" >/dev/null 2>>download.log || exit 1
        dpkg-deb --fsys-tarfile "$dep"_*.deb | tar -x ./boot || exit 1
    ) || die "downloading linux-image-amd64 failed (see $cache_dir/download.log; 'apt-get update' may help)"
    vmlinuz=$(newest_vmlinuz)
    [ -n "$vmlinuz" ] || die "no boot/vmlinuz-*-amd64 in the unpacked package"
fi
echo "$vmlinuz"
