#!/usr/bin/env bash
# Packs Plugboard for one board as an opkg .ipk, the format OpenWrt 24.10 installs: a gzip'd tar
# holding ./debian-binary ("2.0"), ./data.tar.gz and ./control.tar.gz, in that order (OpenWrt
# scripts/ipkg-build). Reproducible: fixed owner, mode and mtime, sorted names.
#   tools/flash/build-ipk.sh --board <name|file.json> --out <dir> [--runtime FILE] [--bundle FILE]
# Prints the package's path. Needs the bundle (npm run build) and the board's runtime
# (bash hal/native/build.sh --arch <arch>); flash.sh builds both first.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
board= out= runtime= bundle=
while (($#)); do
  case $1 in
    --board) board=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --runtime) runtime=$2; shift 2 ;;
    --bundle) bundle=$2; shift 2 ;;
    *) echo "build-ipk: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $board && -n $out ]] || { echo "usage: build-ipk.sh --board <name> --out <dir>" >&2; exit 2; }
board_file=$repo/board/$board.json
[[ $board == *.json && -f $board ]] && board_file=$board
[[ -f $board_file ]] || { echo "build-ipk: no board file $board_file" >&2; exit 2; }
eval "$(node "$repo/tools/flash/board-info.mjs" "$board_file")"
runtime=${runtime:-$repo/hal/native/build/$BOARD_ARCH/plugboard}
bundle=${bundle:-$repo/dist/plugboard.js}
for f in "$runtime" "$bundle"; do [[ -f $f ]] || { echo "build-ipk: $f is missing (npm run build; bash hal/native/build.sh --arch $BOARD_ARCH)" >&2; exit 2; }; done
version=$(node -p "require('$repo/package.json').version")-1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data=$work/data control=$work/control
install -D -m 0755 "$runtime" "$data/usr/sbin/plugboard"
install -D -m 0644 "$bundle" "$data/usr/share/plugboard/plugboard.js"
install -D -m 0644 "$board_file" "$data/usr/share/plugboard/board.json"
install -D -m 0755 "$repo/tools/flash/files/plugboard-console" "$data/usr/sbin/plugboard-console"
install -D -m 0644 "$repo/tools/flash/files/forward_wan.nft" "$data/usr/share/nftables.d/chain-pre/forward_wan/plugboard.nft"
mkdir -p "$data/etc/init.d" "$data/lib/upgrade/keep.d"
store_size="$((STORE_BYTES / 1024))K"
sed -e "s|@BOARD@|$BOARD_NAME|" -e "s|@STORE_SIZE@|$store_size|" "$repo/tools/flash/files/plugboard.init" >"$data/etc/init.d/plugboard"
chmod 0755 "$data/etc/init.d/plugboard"
# sysupgrade keeps what keep.d lists (package/base-files/files/lib/upgrade/keep.d/): the store
# (configuration, leases, images) and the backups that --uninstall restores.
printf '/etc/plugboard/\n' >"$data/lib/upgrade/keep.d/plugboard"

mkdir -p "$control"
size=$(du -sk --apparent-size "$data" | cut -f1)
cat >"$control/control" <<CONTROL
Package: plugboard
Version: $version
Depends: libc
Source: plugboard
License: private
Section: net
Architecture: $PKG_ARCH
Installed-Size: $((size * 1024))
Description: Plugboard: DHCP with port blocks, TFTP from flash and port-preserving NAT for IP phones ($BOARD_NAME)
CONTROL
# Stop and unlink the service before its files go (as OpenWrt's default_prerm does for init scripts).
cat >"$control/prerm" <<'PRERM'
#!/bin/sh
[ -n "$IPKG_INSTROOT" ] && exit 0
/etc/init.d/plugboard stop 2>/dev/null
/etc/init.d/plugboard disable 2>/dev/null
exit 0
PRERM
chmod 0755 "$control/prerm"
printf '2.0\n' >"$work/debian-binary"

epoch=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 0)}
tarit() { tar --format=gnu --owner=0 --group=0 --numeric-owner --sort=name --mtime="@$epoch" "$@"; }
(cd "$data" && tarit -cf - . | gzip -9n >"$work/data.tar.gz")
(cd "$control" && tarit -cf - . | gzip -9n >"$work/control.tar.gz")
mkdir -p "$out"
ipk=$out/plugboard_${version}_${PKG_ARCH}.ipk
(cd "$work" && tarit -cf - ./debian-binary ./data.tar.gz ./control.tar.gz | gzip -9n >"$ipk")
echo "$ipk"
