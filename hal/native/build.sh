#!/usr/bin/env bash
# Builds the native runtime (hal/native/build/<arch>/plugboard): our C sources plus QuickJS
# compiled from node_modules/qjsc/deps (never that package's own scripts), linked statically
# against musl (OpenWrt's libc), built here from Debian's musl source (tools/setup.sh fetches it).
# Sized for routers: -Os, one section per function and object, unused sections dropped, stripped.
# Cached by source hash.
# Usage: bash hal/native/build.sh [--arch x86_64|mipsel|mips|armhf|aarch64|all] [--force]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
qjs="$repo/node_modules/qjsc/deps/quickjs_2021_03_27"
build="$repo/hal/native/build"
ALL_ARCHS=(x86_64 mipsel mips armhf aarch64)
archs=(x86_64)
force=0
while (($#)); do
  case $1 in
    --arch) shift; [[ ${1:-} == all ]] && archs=("${ALL_ARCHS[@]}") || archs=("${1:?--arch needs a value}") ;;
    --arch=*) v=${1#--arch=}; [[ $v == all ]] && archs=("${ALL_ARCHS[@]}") || archs=("$v") ;;
    --force) force=1 ;;
    -h|--help) sed -n 2,7p "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done

if [[ ! -f $qjs/quickjs.c ]]; then
  echo "build.sh: QuickJS sources not found at $qjs (run npm ci first)" >&2
  exit 1
fi

# Debian's GNU triplet of each arch: its cross gcc is <triplet>-gcc, its kernel headers /usr/<triplet>/include.
triplet_of() {
  case $1 in
    x86_64) echo x86_64-linux-gnu ;;
    mipsel) echo mipsel-linux-gnu ;;
    mips) echo mips-linux-gnu ;;
    armhf) echo arm-linux-gnueabihf ;;
    aarch64) echo aarch64-linux-gnu ;;
    *) echo "build.sh: unknown arch '$1' (${ALL_ARCHS[*]})" >&2; return 1 ;;
  esac
}

compiler_of() {
  local triplet
  triplet=$(triplet_of "$1") || return 1
  if [[ $1 == "$(uname -m)" ]]; then echo gcc; else echo "$triplet-gcc"; fi
}

# The kernel's UAPI headers (linux/, asm/, asm-generic/, mtd/) for the arch: libc-independent, so
# musl's include directory links to the ones Debian installs for its glibc cross toolchains.
kernel_headers_of() {
  local triplet
  triplet=$(triplet_of "$1") || return 1
  if [[ $1 == "$(uname -m)" ]]; then echo "/usr/include /usr/include/$triplet"; else echo "/usr/$triplet/include /usr/$triplet/include"; fi
}

SIZE_FLAGS=(-Os -ffunction-sections -fdata-sections)
QJS_SOURCES=(quickjs.c libregexp.c libunicode.c cutils.c libbf.c)
QJS_DEFS=(-D_GNU_SOURCE '-DCONFIG_VERSION="2021-03-27"' -DCONFIG_BIGNUM)
OUR_FLAGS=("${SIZE_FLAGS[@]}" -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-cast-function-type -std=gnu11 -D_GNU_SOURCE)

# The musl source tree: $MUSL_SRC, or Debian's orig tarball that tools/setup.sh put in build/musl-src.
musl_source() {
  if [[ -n ${MUSL_SRC:-} ]]; then echo "$MUSL_SRC"; return 0; fi
  local tarball dir
  tarball=$(ls "$build"/musl-src/musl_*.orig.tar.gz 2>/dev/null | sort | tail -n 1)
  if [[ -z $tarball ]]; then
    echo "build.sh: no musl source in $build/musl-src (bash tools/setup.sh fetches Debian's, or set MUSL_SRC)" >&2
    return 1
  fi
  dir="$build/musl-src/$(basename "$tarball" .orig.tar.gz | tr _ -)"
  if [[ ! -f $dir/configure ]]; then
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    tar -xzf "$tarball" -C "$dir.tmp" --strip-components=1
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}

# A static musl for one arch (about 30 s), built once per musl version, compiler and flags.
# Prints the sysroot; its lib/musl-gcc.specs makes the arch's gcc compile and link against it.
musl_sysroot() {
  local arch=$1 cc=$2 src hash root obj
  src=$(musl_source) || return 1
  hash=$( (cat "$src/VERSION"; echo "$cc ${SIZE_FLAGS[*]}"; "$cc" -dumpversion; kernel_headers_of "$arch") | sha256sum | cut -c1-16)
  root="$build/musl/$arch-$hash"
  if [[ $force == 0 && -f $root/done ]]; then echo "$root"; return 0; fi
  rm -rf "$build/musl/$arch"-* && mkdir -p "$root"
  obj="$root/obj"
  mkdir -p "$obj"
  local triplet log="$root/build.log"
  triplet=$(triplet_of "$arch")
  echo "build.sh: building musl $(cat "$src/VERSION") for $arch (log: $log)" >&2
  if ! (cd "$obj" && "$src/configure" --target="$triplet" CC="$cc" CFLAGS="${SIZE_FLAGS[*]}" \
          --prefix="$root" --disable-shared --enable-wrapper=gcc && make -j"$(nproc)" && make install) >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "build.sh: building musl for $arch failed" >&2
    return 1
  fi
  rm -rf "$obj"
  local base arch_dir
  read -r base arch_dir <<<"$(kernel_headers_of "$arch")"
  for dir in linux asm-generic mtd; do
    [[ -d $base/$dir ]] || { echo "build.sh: kernel headers $base/$dir missing (tools/setup.sh installs them)" >&2; return 1; }
    ln -sfn "$base/$dir" "$root/include/$dir"
  done
  ln -sfn "$arch_dir/asm" "$root/include/asm"
  touch "$root/done"
  echo "$root"
}

build_arch() {
  local arch=$1 cc
  cc=$(compiler_of "$arch") || return 1
  if ! command -v "$cc" >/dev/null; then
    echo "build.sh: $cc not installed; skipping $arch" >&2
    return 3
  fi
  local out="$build/$arch" sysroot
  mkdir -p "$out"
  sysroot=$(musl_sysroot "$arch" "$cc") || return 1
  local mcc=("$cc" -specs "$sysroot/lib/musl-gcc.specs")
  # QuickJS objects are the slow part (about 20 s): cached by their own sources and flags.
  local qhash
  qhash=$( (cat "${QJS_SOURCES[@]/#/$qjs/}" "$qjs"/*.h; echo "$sysroot ${QJS_DEFS[*]} ${SIZE_FLAGS[*]}"; "$cc" -dumpversion) | sha256sum | cut -c1-16)
  local qdir="$out/quickjs-$qhash"
  if [[ $force == 1 || ! -f $qdir/done ]]; then
    rm -rf "$out"/quickjs-*
    mkdir -p "$qdir"
    local pids=()
    for src in "${QJS_SOURCES[@]}"; do
      "${mcc[@]}" "${SIZE_FLAGS[@]}" -w "${QJS_DEFS[@]}" -c "$qjs/$src" -o "$qdir/${src%.c}.o" & pids+=($!)
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
  # Static: the same file runs on any OpenWrt release and under qemu-user. QuickJS's 64-bit
  # Atomics need libatomic on the 32-bit CPUs.
  local atomic=()
  [[ $arch == mipsel || $arch == mips || $arch == armhf ]] && atomic=(-latomic)
  if ! "${mcc[@]}" "${OUR_FLAGS[@]}" -I"$qjs" -static -Wl,--gc-sections -o "$out/plugboard.debug" \
         "$here"/src/*.c "$qdir"/*.o -lm -lpthread "${atomic[@]}"; then
    echo "build.sh: linking the $arch runtime failed" >&2
    return 1
  fi
  local strip=${cc%gcc}strip
  command -v "$strip" >/dev/null || strip=strip
  "$strip" -o "$out/plugboard" "$out/plugboard.debug" || return 1
  if [[ $arch == "$(uname -m)" ]]; then
    # The rig's frame injector, DHCP load generator and call generator (host only, host's libc).
    "$cc" -O2 -Wall -o "$out/pbinject" "$here/tools/pbinject.c" || return 1
    "$cc" -O2 -Wall -o "$out/pbdhcp" "$here/tools/pbdhcp.c" || return 1
    "$cc" -O2 -Wall -o "$out/pbcalls" "$here/tools/pbcalls.c" || return 1
  fi
  echo "$hash" >"$out/hash"
  echo "build.sh: built $arch ($(stat -c %s "$out/plugboard") bytes stripped, musl static) -> $out/plugboard"
}

status=0
for arch in "${archs[@]}"; do
  build_arch "$arch" || { rc=$?; [[ $rc == 3 ]] || status=$rc; }
done
exit $status
