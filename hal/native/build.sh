#!/usr/bin/env bash
# Builds the native runtime (hal/native/build/<arch>/plugboard): our C sources plus QuickJS
# compiled from node_modules/qjsc/deps (never that package's own scripts). Cached by source hash.
# Usage: bash hal/native/build.sh [--arch x86_64|mipsel|armhf|aarch64|all] [--force]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
qjs="$repo/node_modules/qjsc/deps/quickjs_2021_03_27"
archs=(x86_64)
force=0
while (($#)); do
  case $1 in
    --arch) shift; [[ ${1:-} == all ]] && archs=(x86_64 mipsel armhf aarch64) || archs=("${1:?--arch needs a value}") ;;
    --arch=*) v=${1#--arch=}; [[ $v == all ]] && archs=(x86_64 mipsel armhf aarch64) || archs=("$v") ;;
    --force) force=1 ;;
    -h|--help) sed -n 2,4p "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done

if [[ ! -f $qjs/quickjs.c ]]; then
  echo "build.sh: QuickJS sources not found at $qjs (run npm ci first)" >&2
  exit 1
fi

compiler_of() {
  case $1 in
    x86_64) [[ $(uname -m) == x86_64 ]] && echo gcc || echo x86_64-linux-gnu-gcc ;;
    mipsel) echo mipsel-linux-gnu-gcc ;;
    armhf) echo arm-linux-gnueabihf-gcc ;;
    aarch64) [[ $(uname -m) == aarch64 ]] && echo gcc || echo aarch64-linux-gnu-gcc ;;
    *) echo "build.sh: unknown arch '$1' (x86_64, mipsel, armhf, aarch64)" >&2; return 1 ;;
  esac
}

QJS_SOURCES=(quickjs.c libregexp.c libunicode.c cutils.c libbf.c)
QJS_DEFS=(-D_GNU_SOURCE '-DCONFIG_VERSION="2021-03-27"' -DCONFIG_BIGNUM)
OUR_FLAGS=(-O2 -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-cast-function-type -std=gnu11 -D_GNU_SOURCE)

build_arch() {
  local arch=$1 cc
  cc=$(compiler_of "$arch")
  if ! command -v "$cc" >/dev/null; then
    echo "build.sh: $cc not installed; skipping $arch" >&2
    return 3
  fi
  local out="$repo/hal/native/build/$arch"
  mkdir -p "$out"
  # QuickJS objects are the slow part (about 20 s): cached by their own sources and flags.
  local qhash
  qhash=$( (cat "${QJS_SOURCES[@]/#/$qjs/}" "$qjs"/*.h; echo "$cc ${QJS_DEFS[*]} -O2"; "$cc" -dumpversion) | sha256sum | cut -c1-16)
  local qdir="$out/quickjs-$qhash"
  if [[ $force == 1 || ! -f $qdir/done ]]; then
    rm -rf "$out"/quickjs-*
    mkdir -p "$qdir"
    local pids=()
    for src in "${QJS_SOURCES[@]}"; do
      "$cc" -O2 -w "${QJS_DEFS[@]}" -c "$qjs/$src" -o "$qdir/${src%.c}.o" & pids+=($!)
    done
    local failed=0
    for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
    if ((failed)); then echo "build.sh: compiling QuickJS for $arch failed" >&2; return 1; fi
    touch "$qdir/done"
  fi
  local hash
  hash=$( (cat "$here"/src/*.c "$here"/src/*.h "$here"/tools/*.c "$here/build.sh"; echo "$qhash $cc") | sha256sum | cut -c1-16)
  if [[ $force == 0 && -x $out/plugboard && -f $out/hash && $(cat "$out/hash") == "$hash" ]]; then
    echo "build.sh: $arch up to date ($out/plugboard)"
    return 0
  fi
  # Static so the same file runs on a router's musl userland and under qemu-user.
  if ! "$cc" "${OUR_FLAGS[@]}" -I"$qjs" -static -o "$out/plugboard.debug" "$here"/src/*.c "$qdir"/*.o -lm -lpthread $( [[ $arch == mipsel || $arch == armhf ]] && echo -latomic ); then
    echo "build.sh: linking the $arch runtime failed" >&2
    return 1
  fi
  local strip=${cc%gcc}strip
  command -v "$strip" >/dev/null || strip=strip
  "$strip" -o "$out/plugboard" "$out/plugboard.debug" || return 1
  if [[ $arch == "$(uname -m)" ]]; then
    # The rig's frame injector and DHCP load generator (host only; run in namespaces).
    "$cc" -O2 -Wall -o "$out/pbinject" "$here/tools/pbinject.c" || return 1
    "$cc" -O2 -Wall -o "$out/pbdhcp" "$here/tools/pbdhcp.c" || return 1
  fi
  echo "$hash" >"$out/hash"
  echo "build.sh: built $arch ($(stat -c %s "$out/plugboard") bytes stripped) -> $out/plugboard"
}

status=0
for arch in "${archs[@]}"; do
  build_arch "$arch" || { rc=$?; [[ $rc == 3 ]] || status=$rc; }
done
exit $status
