#!/bin/sh
# make test stage: `make install` into a scratch DESTDIR, then a program built with nothing but
# the installed header, library and pkg-config file, linked both dynamically and statically.
# The build is a plain `make` (default PREFIX); the install names another PREFIX, and its
# frost.pc must point there, not at the prefix of the build.
set -eu
BUILD=${1:-build}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
passed=0

make --no-print-directory -s BUILD="$BUILD" >/dev/null
for prefix in /opt/frost-test /usr/local; do
    root="$dest/root$(echo "$prefix" | tr / _)"
    make --no-print-directory -s install BUILD="$BUILD" PREFIX="$prefix" DESTDIR="$root" >/dev/null
    pc="$root$prefix/lib/pkgconfig"
    grep -qx "prefix=$prefix" "$pc/frost.pc" || {
        echo "FAIL: $pc/frost.pc does not say prefix=$prefix:"
        cat "$pc/frost.pc"
        exit 1
    }
    [ "$(PKG_CONFIG_PATH="$pc" pkg-config --variable=prefix frost)" = "$prefix" ]
    cflags=$(PKG_CONFIG_PATH="$pc" PKG_CONFIG_SYSROOT_DIR="$root" pkg-config --cflags frost)
    libs=$(PKG_CONFIG_PATH="$pc" PKG_CONFIG_SYSROOT_DIR="$root" pkg-config --libs frost)
    static=$(PKG_CONFIG_PATH="$pc" PKG_CONFIG_SYSROOT_DIR="$root" pkg-config --static --libs frost)
    case "$cflags $libs" in
    *"$root$prefix/include"*"$root$prefix/lib"*) ;;
    *) echo "FAIL: pkg-config gives '$cflags $libs' for $prefix"; exit 1 ;;
    esac
    cc -std=c11 $cflags tests/install/use_frost.c -o "$root/use_dyn" $libs
    LD_LIBRARY_PATH="$root$prefix/lib" "$root/use_dyn" "$root/m1.frost" >/dev/null
    cc -std=c11 $cflags tests/install/use_frost.c -o "$root/use_static" -Wl,-Bstatic -lfrost \
        -Wl,-Bdynamic $(echo "$static" | sed 's/-lfrost//')
    "$root/use_static" "$root/m2.frost" >/dev/null
    "$root$prefix/bin/frost" inspect "$root/m2.frost" >/dev/null
    passed=$((passed + 1))
done
echo "install: $passed passed, 0 failed"
