#!/bin/sh
# make test stage: `make install` into a scratch DESTDIR, then programs built with nothing but
# the installed headers, libraries and pkg-config files, linked both dynamically and
# statically: one on libfrost (frost.pc), one on the importer (frost_import.pc) converting a
# corpus model; and the Python package, imported from where it was installed, converting and
# loading with the installed libraries; the installed CLI, server and package reach the remote
# plugin for a URL. The build is a plain `make` (default PREFIX); the install names another PREFIX,
# and the .pc files must point there, not at the prefix of the build.
set -eu
BUILD=${1:-build}
MODEL="${FROST_SHARED:-$(pwd)/../shared}/corpus/1_1_3-pipeline_column_transformer-joblib_proto4.joblib"
[ -f "$MODEL" ] || { echo "FAIL: no corpus model at $MODEL (set FROST_SHARED)"; exit 1; }
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
    # a URL: the installed frost runs bin/frost-remote, which loads lib/libfrost_remote.so.0 and
    # libcurl; no server (port 1 refuses at once): curl's refusal shows the plugin ran
    if err=$(env -u FROST_REMOTE_PLUGIN FROST_REMOTE_ATTEMPTS=1 \
             "$root$prefix/bin/frost" inspect http://127.0.0.1:1/m.frost 2>&1); then
        echo "FAIL: the installed frost read a URL with no server"; exit 1
    fi
    case "$err" in
    *"Failed to connect"*) ;;
    *) echo "FAIL: the installed frost on a URL: $err"; exit 1 ;;
    esac
    # and bin/frost-serve (dynamic libc) loads it through its RUNPATH ($ORIGIN/../lib)
    if err=$(env -u FROST_REMOTE_PLUGIN FROST_REMOTE_ATTEMPTS=1 \
             "$root$prefix/bin/frost" serve http://127.0.0.1:1/m.frost --port 0 2>&1); then
        echo "FAIL: the installed frost serve opened a URL with no server"; exit 1
    fi
    case "$err" in
    *"Failed to connect"*) ;;
    *) echo "FAIL: the installed frost serve on a URL: $err"; exit 1 ;;
    esac
    passed=$((passed + 1))

    for pkg in frost frost_import; do
        grep -qx "prefix=$prefix" "$pc/$pkg.pc" || { echo "FAIL: $pkg.pc: not prefix=$prefix"; exit 1; }
    done
    icflags=$(PKG_CONFIG_PATH="$pc" PKG_CONFIG_SYSROOT_DIR="$root" pkg-config --cflags frost_import)
    ilibs=$(PKG_CONFIG_PATH="$pc" PKG_CONFIG_SYSROOT_DIR="$root" pkg-config --libs frost_import)
    istatic=$(PKG_CONFIG_PATH="$pc" PKG_CONFIG_SYSROOT_DIR="$root" pkg-config --static --libs \
              frost_import)
    case "$ilibs" in
    *-lfrost_import*-lfrost*) ;;
    *) echo "FAIL: pkg-config --libs frost_import gives '$ilibs'"; exit 1 ;;
    esac
    cc -std=c11 $icflags tests/install/use_frost_import.c -o "$root/imp_dyn" $ilibs
    LD_LIBRARY_PATH="$root$prefix/lib" "$root/imp_dyn" "$MODEL" "$root/i1.frost" >/dev/null
    cc -std=c11 $icflags tests/install/use_frost_import.c -o "$root/imp_static" -Wl,-Bstatic \
        -lfrost_import -lfrost -Wl,-Bdynamic \
        $(echo "$istatic" | sed 's/-lfrost_import//; s/-lfrost\b//')
    "$root/imp_static" "$MODEL" "$root/i2.frost" >/dev/null
    cmp -s "$root/i1.frost" "$root/i2.frost" ||
        { echo "FAIL: the shared and the static importer wrote different files"; exit 1; }
    passed=$((passed + 1))

    # the Python package: in Debian python3's dist-packages for this PREFIX, finding the
    # libraries installed beside it (PREFIX/lib), not the build tree's
    init=$(find "$root$prefix/lib" -path '*/dist-packages/frost/__init__.py' | head -1)
    site=$(dirname "$(dirname "$init")")
    case "$site" in
    "$root$prefix/lib/python3/dist-packages" | "$root$prefix/lib/python3."*/dist-packages) ;;
    *) echo "FAIL: make install put the Python package at '$site'"; exit 1 ;;
    esac
    (cd "$root" && env -u FROST_LIBRARY_PATH -u FROST_REMOTE_PLUGIN FROST_REMOTE_ATTEMPTS=1 \
        PYTHONPATH="$site" "${PYTHON:-/usr/bin/python3}" -c '
import sys, frost
from frost import _capi
site, libdir, model, out = sys.argv[1:]
assert frost.__file__.startswith(site), frost.__file__
frost.convert(model, out)
with frost.load(out) as m:
    assert m.metadata["sklearn_version"] and m.n_features_in_ > 0, m.metadata
for lib, name in ((_capi.lib(), "libfrost.so.0"), (_capi.import_lib(), "libfrost_import.so.0")):
    assert lib._frost_path == libdir + "/" + name, (lib._frost_path, libdir)
# a URL: the installed libfrost.so.0 loads libfrost_remote.so.0 from its own directory (no
# server on port 1: curl refusing the connection shows the plugin ran)
try:
    frost.load("http://127.0.0.1:1/m.frost")
    raise AssertionError("opened a URL with no server")
except frost.FrostError as e:
    assert "Failed to connect" in str(e), str(e)
' "$site" "$root$prefix/lib" "$MODEL" "$root/py.frost") ||
        { echo "FAIL: the installed Python package under $site"; exit 1; }
    passed=$((passed + 1))
done
echo "install: $passed passed, 0 failed"
