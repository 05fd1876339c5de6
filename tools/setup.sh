#!/usr/bin/env bash
# Idempotent setup that `npm test` runs first: Debian packages the tests drive (when root and
# missing), Debian's musl source for the native runtime, then the native runtime build. Safe to run again; does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# Packages the test suite needs, one per line: "<command or file to probe> <debian package>".
NEEDED=(
  "ip iproute2"
  "ethtool ethtool"
  "busybox busybox"
  "dhclient isc-dhcp-client"
  "/usr/bin/tftp tftp-hpa"
  "atftp atftp"
  "/usr/sbin/atftpd atftpd"
  "curl curl"
  "iperf3 iperf3"
  "tcpdump tcpdump"
  "nc netcat-openbsd"
  "traceroute traceroute"
  "socat socat"
  "nft nftables"
  "/usr/sbin/dropbear dropbear-bin"
  "ssh openssh-client"
  "mipsel-linux-gnu-gcc gcc-mipsel-linux-gnu"
  "mips-linux-gnu-gcc gcc-mips-linux-gnu"
  "arm-linux-gnueabihf-gcc gcc-arm-linux-gnueabihf"
  "aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu"
  "qemu-mipsel-static qemu-user-static"
  "/usr/mipsel-linux-gnu/include/stdio.h libc6-dev-mipsel-cross"
  "/usr/arm-linux-gnueabihf/include/stdio.h libc6-dev-armhf-cross"
  "/usr/aarch64-linux-gnu/include/stdio.h libc6-dev-arm64-cross"
  "/usr/include/linux/if_packet.h linux-libc-dev"
  "/usr/mips-linux-gnu/include/linux/if_packet.h linux-libc-dev-mips-cross"
)

missing=()
for entry in "${NEEDED[@]}"; do
  probe=${entry%% *}
  pkg=${entry##* }
  if [[ $probe == /* ]]; then [[ -e $probe ]] || missing+=("$pkg")
  else command -v "$probe" >/dev/null 2>&1 || missing+=("$pkg"); fi
done

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "setup: installing ${missing[*]}"
    # Daemon packages must not start services on this host: forbid it while installing.
    policy=/usr/sbin/policy-rc.d
    created_policy=0
    if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1; fi
    apt-get update -qq
    # One line per package fetched and set up, so a slow mirror shows as progress, not a hang.
    apt-get install -y -q --no-install-recommends "${missing[@]}" 2>&1 |
      { grep --line-buffered -E '^(Get:[0-9]+ |Setting up )' || true; } | sed -u 's/^/setup:   /'
    ((created_policy)) && rm -f "$policy"
  else
    echo "setup: not root or no apt-get; tests that need ${missing[*]} will say so and skip"
  fi
fi

# The runtime links statically against musl, OpenWrt's libc, built by hal/native/build.sh from the
# source package of Debian's musl. Fetching it needs a deb-src entry; add one for this release if
# apt has none.
musl_dir=hal/native/build/musl-src
fetch_musl_source() { (cd "$musl_dir" && apt-get source --download-only -qq musl >/dev/null 2>&1); }
if ! ls "$musl_dir"/musl_*.orig.tar.gz >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    mkdir -p "$musl_dir"
    if ! fetch_musl_source; then
      codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
      uri=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/debian\/?$/ {print $2; exit}')
      echo "setup: adding a deb-src entry for $codename (for musl's source)"
      printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "${uri:-http://deb.debian.org/debian}" "$codename" >/etc/apt/sources.list.d/plugboard-deb-src.sources
      apt-get update -qq
      fetch_musl_source || echo "setup: could not fetch Debian's musl source; the native build will say so"
    fi
  else
    echo "setup: not root or no apt-get; put Debian's musl_*.orig.tar.gz in $musl_dir for the native build"
  fi
fi

if [[ -f hal/native/build.sh ]]; then bash hal/native/build.sh; fi
