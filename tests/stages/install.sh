#!/bin/sh
# make test stage: `make install` into a scratch DESTDIR, then a program built with nothing but
# the installed header, library and pkg-config file, linked both dynamically and statically.
set -eu
BUILD=${1:-build}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
make --no-print-directory -s install BUILD="$BUILD" PREFIX=/usr/local DESTDIR="$dest" >/dev/null
pc="$dest/usr/local/lib/pkgconfig"
cflags=$(PKG_CONFIG_PATH="$pc" PKG_CONFIG_SYSROOT_DIR="$dest" pkg-config --cflags frost)
libs=$(PKG_CONFIG_PATH="$pc" PKG_CONFIG_SYSROOT_DIR="$dest" pkg-config --libs frost)
static=$(PKG_CONFIG_PATH="$pc" PKG_CONFIG_SYSROOT_DIR="$dest" pkg-config --static --libs frost)
cc -std=c11 $cflags tests/install/use_frost.c -o "$dest/use_dyn" $libs
LD_LIBRARY_PATH="$dest/usr/local/lib" "$dest/use_dyn" "$dest/m1.frost"
cc -std=c11 $cflags tests/install/use_frost.c -o "$dest/use_static" -Wl,-Bstatic -lfrost \
    -Wl,-Bdynamic $(echo "$static" | sed 's/-lfrost//')
"$dest/use_static" "$dest/m2.frost"
"$dest/usr/local/bin/frost" inspect "$dest/m2.frost" >/dev/null
