#!/usr/bin/env bash
# Puts Plugboard on an OpenWrt router over SSH, or takes it off again. See README.md, "Put it on a
# router".
#   ./flash.sh --board <name> --host <address> [--port 22] [--identity FILE] [--dry-run]
#              [--uninstall] [--force] [--ssh-option OPTION]...
# Builds the bundle and the board's runtime, packs an .ipk (tools/flash/build-ipk.sh), copies it
# with `ssh … 'cat > file'` (dropbear has no SFTP), and runs tools/flash/router/pbflash.sh on the
# router, which journals and undoes every change if anything fails or the link drops before this
# script has checked the service and confirmed.
set -uo pipefail
repo=$(cd "$(dirname "$0")" && pwd)
stage=/tmp/plugboard-flash

usage() {
  sed -n '4,5p' "$0" | sed 's/^# *//' >&2
  echo "boards: $(cd "$repo/board" && ls *.json | sed 's/\.json$//' | grep -v -e '^sim$' -e '^host$' | tr '\n' ' ')" >&2
  exit 2
}

board= host= port=22 identity= dry=0 uninstall=0 force=0
ssh_extra=()
while (($#)); do
  case $1 in
    --board) board=${2:-}; shift 2 || usage ;;
    --host) host=${2:-}; shift 2 || usage ;;
    --port) port=${2:-}; shift 2 || usage ;;
    --identity) identity=${2:-}; shift 2 || usage ;;
    --ssh-option) ssh_extra+=(-o "${2:-}"); shift 2 || usage ;;
    --dry-run) dry=1; shift ;;
    --uninstall) uninstall=1; shift ;;
    --force) force=1; shift ;;
    -h|--help) usage ;;
    *) echo "flash.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ -n $host ]] || { echo "flash.sh: --host is required" >&2; usage; }
[[ $uninstall = 1 || -n $board ]] || { echo "flash.sh: --board is required" >&2; usage; }
[[ $port =~ ^[0-9]+$ ]] || { echo "flash.sh: --port must be a number" >&2; exit 2; }
[[ -z $identity || -r $identity ]] || { echo "flash.sh: cannot read identity file $identity" >&2; exit 2; }

# ssh takes the first value given for an option, so --ssh-option comes before the defaults. A
# router met for the first time has its host key recorded (accept-new); a changed key is refused.
ssh_cmd=(ssh -p "$port" "${ssh_extra[@]}" -o BatchMode=yes -o ConnectTimeout=10 -o ServerAliveInterval=5 -o ServerAliveCountMax=3 -o StrictHostKeyChecking=accept-new)
[[ -n $identity ]] && ssh_cmd+=(-i "$identity")
ssh_cmd+=("root@$host")

total=8; ((uninstall)) && total=3
n=0
step() { n=$((n + 1)); printf '[%d/%d] %s\n' "$n" "$total" "$*"; }
die() { printf 'flash.sh: %s\n' "$*" >&2; exit 1; }
# In a dry run a command is printed, never run.
exec 3>&1
run() {
  if ((dry)); then { printf '  +'; printf ' %q' "$@"; printf '\n'; } >&3; return 0; fi
  "$@"
}
# A command on the router; stdin from /dev/null unless the caller redirects it.
remote() { run "${ssh_cmd[@]}" "$@"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Which package manager the router has: opkg (OpenWrt 24.10 and older) or apk (25.12 and newer).
check_router() {
  step "checking the router at $host (OpenWrt, package manager, uci, nft)"
  if ((dry)); then remote 'cat /etc/openwrt_release; command -v opkg apk uci nft' </dev/null; return 0; fi
  local out
  out=$("${ssh_cmd[@]}" 'cat /etc/openwrt_release 2>/dev/null; for c in opkg apk uci nft udhcpc; do command -v $c >/dev/null && echo HAVE-$c; done' </dev/null) ||
    die "cannot reach root@$host over SSH (port $port): check the address, the key (--identity) and that dropbear runs"
  grep -q "^DISTRIB_ID='OpenWrt'" <<<"$out" || die "$host does not say it is OpenWrt (no /etc/openwrt_release)"
  echo "      $(sed -n "s/^DISTRIB_DESCRIPTION='\(.*\)'/\1/p" <<<"$out")"
  if ! grep -q HAVE-opkg <<<"$out"; then
    grep -q HAVE-apk <<<"$out" &&
      die "this router uses apk (OpenWrt 25.12 or newer): flash.sh builds only opkg .ipk packages; an apk v3 package needs apk-tools 3's mkpkg, which this machine does not have"
    die "no opkg on $host"
  fi
  for c in uci nft udhcpc; do grep -q "HAVE-$c" <<<"$out" || die "$host has no $c (flash.sh needs BusyBox udhcpc, uci and nft)"; done
}

copy() { # local-file remote-path
  if ((dry)); then printf '  + %s < %q\n' "$(printf '%q ' "${ssh_cmd[@]}")'mkdir -p $stage && cat > $2'" "$1"; return 0; fi
  "${ssh_cmd[@]}" "mkdir -p $stage && cat > $2" <"$1" || die "copying $(basename "$1") to $host failed"
  local want got
  want=$(sha256sum "$1" | cut -d' ' -f1)
  got=$("${ssh_cmd[@]}" "sha256sum $2" </dev/null | cut -d' ' -f1)
  [[ $want == "$got" ]] || die "$(basename "$1") arrived damaged on $host (sha256 $got, expected $want)"
}

# Runs pbflash.sh on the router, showing its steps; for an install, checks the service over a
# second SSH session and only then tells the router to keep the change.
drive() { # action
  if ((dry)); then
    remote "sh $stage/pbflash.sh $1 $stage"
    echo "      which runs on the router:"
    if [[ $1 == install ]]; then sh "$repo/tools/flash/router/pbflash.sh" plan "$work"; else sh "$repo/tools/flash/router/pbflash.sh" plan-uninstall; return 0; fi
    step "checking that Plugboard answers (status query over SSH)"
    remote "/etc/init.d/plugboard status; plugboard-console -c 'show version' 2" </dev/null
    echo "      (then 'commit' on the install session's input; anything else undoes the install)"
    return 0
  fi
  coproc PBFLASH { "${ssh_cmd[@]}" "sh $stage/pbflash.sh $1 $stage" 2>&1; }
  # Copies of the coprocess's pipes: bash closes its own when the coprocess ends, unread lines and all.
  local from to pid=$PBFLASH_PID line result=
  exec {from}<&"${PBFLASH[0]}" {to}>&"${PBFLASH[1]}"
  while IFS= read -r -u "$from" line; do
    case $line in
      "STEP "*) echo "      ${line#STEP }" ;;
      "ERROR "*) echo "      error: ${line#ERROR }" >&2 ;;
      READY)
        step "checking that Plugboard answers (status query over SSH)"
        # A link already gone must not kill this script with SIGPIPE: the write just fails.
        if status_query; then answer=commit; else answer=rollback; fi
        (trap '' PIPE; echo "$answer" >&"$to") 2>/dev/null ;;
      COMMITTED|UNINSTALLED|ROLLEDBACK) result=$line ;;
      *) echo "      $line" ;;
    esac
  done
  wait "$pid" 2>/dev/null
  exec {from}<&- {to}>&-
  case $result in
    COMMITTED) return 0 ;;
    UNINSTALLED) return 0 ;;
    ROLLEDBACK) die "the install failed and the router was put back as it was (log: $stage.log on the router)" ;;
    *) die "the SSH session ended before the router confirmed; the router undoes an unconfirmed install by itself (log: /tmp/plugboard-flash.log on the router)" ;;
  esac
}

status_query() {
  local out try
  # The console answers once the firmware has booted (mounting a fresh store takes seconds):
  # ask again for up to about half a minute.
  for try in 1 2 3 4 5 6 7 8 9 10 11 12; do
    out=$("${ssh_cmd[@]}" "/etc/init.d/plugboard status; plugboard-console -c 'show version' 2" </dev/null 2>&1)
    grep -q '^Plugboard firmware' <<<"$out" && break
    grep -q '^running' <<<"$out" || break
  done
  # The answer to show version, not a log line the console replays on attach.
  if grep -q '^running' <<<"$out" && grep -q '^Plugboard firmware' <<<"$out"; then
    echo "      $(grep -m1 '^Plugboard firmware' <<<"$out" | tr -d '\r'), $(grep -m1 '^Board ' <<<"$out" | tr -d '\r')"
    return 0
  fi
  echo "      the service did not answer: $(tr -d '\r' <<<"$out" | tail -n 5 | tr '\n' ' ')" >&2
  return 1
}

if ((uninstall)); then
  check_router
  step "copying the uninstaller"
  copy "$repo/tools/flash/router/pbflash.sh" "$stage/pbflash.sh"
  step "removing Plugboard and restoring every file it changed"
  drive uninstall
  ((dry)) && { echo "Dry run: nothing was run."; exit 0; }
  echo "Plugboard removed from $host; the router is as it was before flash.sh."
  exit 0
fi

# A shipped board's name, or the path of a board file of one's own.
board_file=$repo/board/$board.json
[[ $board == *.json && -f $board ]] && board_file=$(cd "$(dirname "$board")" && pwd)/$(basename "$board")
[[ -f $board_file ]] || { echo "flash.sh: no board '$board'" >&2; usage; }
info=$(node "$repo/tools/flash/board-info.mjs" "$board_file") || exit 2
eval "$info"

step "building the bundle (npm run build)"
run bash -c "cd $(printf %q "$repo") && npm run --silent build >/dev/null" || die "the bundle did not build"
step "building the $BOARD_ARCH runtime (hal/native/build.sh)"
run bash "$repo/hal/native/build.sh" --arch "$BOARD_ARCH" >/dev/null || die "the runtime did not build"
step "packing plugboard for $BOARD_NAME ($PKG_ARCH .ipk)"
if ((dry)); then run bash "$repo/tools/flash/build-ipk.sh" --board "$board_file" --out "$work"; ipk=$work/plugboard.ipk
else ipk=$(bash "$repo/tools/flash/build-ipk.sh" --board "$board_file" --out "$work") || die "packing failed"; echo "      $(basename "$ipk"), $(( $(wc -c <"$ipk") / 1024 )) KiB"; fi
check_router

lan_net=lan
step "looking for another DHCP server on the LAN (DHCPDISCOVER from the router)"
probe='dev=$(uci -q get network.lan.device || echo br-lan); if udhcpc -n -q -s /bin/true -t 1 -T 3 -i "$dev" >/dev/null 2>&1; then echo FOUND "$dev"; else echo NONE "$dev"; fi'
if ((dry)); then remote "$probe" </dev/null
else
  answer=$("${ssh_cmd[@]}" "$probe" </dev/null) || die "the DHCP probe could not run on $host"
  case $answer in
    FOUND*) if ((force)); then echo "      another DHCP server answers on ${answer#FOUND }; going on (--force)"
            else die "another DHCP server answers on the LAN (${answer#FOUND }); two servers would hand out conflicting leases. Turn it off, or use --force"; fi ;;
    NONE*) echo "      none on ${answer#NONE }" ;;
    *) die "unexpected answer from the DHCP probe: $answer" ;;
  esac
fi

mode=router; [[ $FORWARDING == ports ]] && mode=ports
cat >"$work/params" <<EOF
MODE=$mode
LAN_NET=$lan_net
LAN_PORTS='$LAN_PORTS'
WAN_PORTS='$WAN_PORTS'
CONSOLE_DEV=$CONSOLE_DEV
STORE_BYTES=$STORE_BYTES
EOF
step "copying the package and the installer to $host:$stage"
copy "$ipk" "$stage/plugboard.ipk"
copy "$repo/tools/flash/router/pbflash.sh" "$stage/pbflash.sh"
copy "$work/params" "$stage/params"
step "installing on $host ($mode mode)"
drive install
((dry)) && { echo "Dry run: nothing was run."; exit 0; }
cat <<EOF
Plugboard runs on $host.
  Console: ssh root@$host plugboard-console   (Ctrl-] leaves); on the serial port $CONSOLE_DEV at $CONSOLE_BAUD
  from the next boot (Ctrl-] there gives the OpenWrt shell).
  Back to stock: ./flash.sh --uninstall --host $host
EOF
