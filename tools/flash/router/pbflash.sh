#!/bin/sh
# Runs on the router, sent there by flash.sh with the package into /tmp/plugboard-flash/:
#   sh pbflash.sh install  <staging dir>   install, change the router, start, wait for "commit"
#   sh pbflash.sh uninstall                undo a committed install, byte for byte
#   sh pbflash.sh probe <lan device>       is another DHCP server answering on the LAN?
# Uses only BusyBox, uci, opkg, nft and init scripts. Every change is journalled before it is made
# (/etc/plugboard/backup/manifest: "changed <path>" with a copy under files/, "created <path>",
# "created-dir <path>"), so a failure at any point, or the SSH link dropping before flash.sh
# confirms, undoes exactly what was done. Progress goes to stdout as "STEP ..." lines; every
# command's own output goes to the log, so a cut link cannot kill a command halfway.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
state=/etc/plugboard
backup=$state/backup
manifest=$backup/manifest
staging=${2:-/tmp/plugboard-flash}
log=/tmp/plugboard-flash.log
PKG=plugboard

say() { echo "$*" 2>/dev/null; }
step() { say "STEP $*"; echo "== $*" >>"$log"; }
# Signals are ignored from here on: a write to a cut link must not re-enter fail.
fail() { trap '' HUP PIPE TERM INT; say "ERROR $*"; echo "ERROR $*" >>"$log"; rollback; say "ROLLEDBACK"; exit 1; }
quiet() { "$@" >>"$log" 2>&1; }

journal() { echo "$1 $2" >>"$manifest" || fail "cannot write the journal (overlay full?)"; }
# Keeps a copy of a file before its first change.
keep() {
	grep -qx "changed $1" "$manifest" 2>/dev/null && return 0
	mkdir -p "$backup/files${1%/*}" && cp -p "$1" "$backup/files$1" || fail "cannot back up $1 (overlay full?)"
	journal changed "$1"
}

# Undoes the journal, newest entry first. Safe to run on a partial journal; ignores signals.
rollback() {
	trap '' HUP PIPE TERM INT
	[ -f "$manifest" ] || { rm -rf "$state" 2>/dev/null; return 0; }
	step "undoing: stopping Plugboard, removing the package, restoring files"
	[ -x /etc/init.d/$PKG ] && quiet /etc/init.d/$PKG stop
	quiet nft delete table inet plugboard
	opkg list-installed 2>/dev/null | grep -q "^$PKG - " && quiet opkg remove $PKG
	for c in dhcp firewall network; do quiet uci revert "$c"; done
	sed -n '1!G;h;$p' "$manifest" | while read -r kind path; do
		case "$kind" in
		changed) cp -p "$backup/files$path" "$path.pbflash" && mv "$path.pbflash" "$path" ;;
		created) rm -f "$path" ;;
		created-dir) rmdir "$path" 2>/dev/null ;;
		esac
	done >>"$log" 2>&1
	touched=$(sed -n 's/^changed //p' "$manifest")
	rm -rf "$state"
	case "$touched" in *"/etc/config/network"*) quiet /etc/init.d/network reload ;; esac
	quiet /etc/init.d/dnsmasq reload
	quiet /etc/init.d/firewall reload
	return 0
}

# Free KiB on the filesystem the overlay is (OpenWrt: /overlay; else /).
free_kib() { local m=/; grep -q ' /overlay ' /proc/mounts && m=/overlay; df -k "$m" | awk 'NR == 2 { print $4 }'; }

# Paths the package will bring that are not there yet, parents first.
record_new_paths() {
	tar -xzOf "$staging/$PKG.ipk" ./data.tar.gz | tar -tzf - | sed -e 's#^\./##' -e '/^$/d' | while read -r p; do
		case "$p" in */) p=/${p%/}; [ -e "$p" ] || echo "created-dir $p" ;; *) p=/$p; [ -e "$p" ] || [ -L "$p" ] || echo "created $p" ;; esac
	done >>"$manifest" || fail "cannot write the journal (overlay full?)"
}

uci_set() { quiet uci set "$1" || fail "uci set $1 failed"; }

# Router mode: netifd keeps ports and addresses; dnsmasq stops DHCP on the LAN only (its DNS stays).
router_mode() {
	keep /etc/config/dhcp
	uci_set "dhcp.$LAN_NET.ignore=1"
	quiet uci commit dhcp || fail "uci commit dhcp failed"
	# Two flowtables on the same ports fight: firewall4's software/hardware offload must be off.
	if [ "$(uci -q get firewall.@defaults[0].flow_offloading)" = 1 ]; then
		keep /etc/config/firewall
		uci_set firewall.@defaults[0].flow_offloading=0
		quiet uci -q delete firewall.@defaults[0].flow_offloading_hw
		quiet uci commit firewall || fail "uci commit firewall failed"
	fi
}

# Ports mode: the firmware owns the LAN and WAN ports raw, so netifd, dnsmasq and firewall4 lose them.
ports_mode() {
	keep /etc/config/network
	keep /etc/config/dhcp
	for port in $LAN_PORTS $WAN_PORTS; do
		i=0
		while [ -n "$(uci -q get network.@device[$i])" ]; do
			for p in $(uci -q get network.@device[$i].ports); do
				[ "$p" = "$port" ] && { quiet uci del_list "network.@device[$i].ports=$port" || fail "uci del_list failed"; }
			done
			i=$((i + 1))
		done
		for net in $(uci show network | sed -n "s/^network\.\([^.]*\)\.device='$port'\$/\1/p"); do
			uci_set "network.$net.proto=none"; uci_set "network.$net.auto=0"
			[ -n "$(uci -q get dhcp.$net)" ] && uci_set "dhcp.$net.ignore=1"
		done
	done
	uci_set "dhcp.$LAN_NET.ignore=1"
	quiet uci commit network && quiet uci commit dhcp || fail "uci commit failed"
}

# The console's serial line: its login line in inittab runs plugboard-console --serial, which
# leaves to the OpenWrt shell on Ctrl-] (procd reads inittab at boot: from the next boot on).
serial_console() {
	grep -q "^$CONSOLE_DEV::askfirst:/usr/libexec/login.sh\$\|^::askconsole:/usr/libexec/login.sh\$" /etc/inittab || {
		echo "inittab has no login line for $CONSOLE_DEV; left alone" >>"$log"; return 0; }
	keep /etc/inittab
	sed -e "s#^\($CONSOLE_DEV::askfirst:\)/usr/libexec/login.sh\$#\1/usr/sbin/plugboard-console --serial#" \
		-e "s#^\(::askconsole:\)/usr/libexec/login.sh\$#\1/usr/sbin/plugboard-console --serial#" /etc/inittab >/etc/inittab.pbflash &&
		mv /etc/inittab.pbflash /etc/inittab || { rm -f /etc/inittab.pbflash; fail "cannot rewrite /etc/inittab"; }
}

wait_running() {
	i=0
	while [ $i -lt 150 ]; do
		if [ "$(/etc/init.d/$PKG status 2>/dev/null)" = running ] && [ -e /var/run/plugboard/console ]; then
			pid=$(cat /var/run/plugboard.pid 2>/dev/null)
			[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && return 0
		fi
		sleep 0.1; i=$((i + 1))
	done
	tail -n 20 /var/log/plugboard.log >>"$log" 2>/dev/null
	return 1
}

install() {
	[ -f "$staging/params" ] || { say "ERROR no $staging/params"; exit 2; }
	. "$staging/params"
	: >"$log"
	step "checking the router"
	command -v uci >/dev/null || { say "ERROR no uci: not an OpenWrt router?"; exit 2; }
	command -v opkg >/dev/null || { say "ERROR no opkg on this router (apk-based releases are not supported yet)"; exit 2; }
	command -v nft >/dev/null || { say "ERROR no nft: router mode needs nftables (firewall4 brings it)"; exit 2; }
	if [ -e "$state" ] || opkg list-installed | grep -q "^$PKG - "; then
		say "ERROR Plugboard is already installed (or $state is left over): flash.sh --uninstall first"; exit 2
	fi
	[ -n "$(uci -q get dhcp.$LAN_NET)" ] || { say "ERROR no dhcp.$LAN_NET section: which network is the phones' LAN?"; exit 2; }
	ipk_kib=$(( $(wc -c <"$staging/$PKG.ipk") / 1024 ))
	need=$(( ipk_kib * 4 + STORE_BYTES / 1024 + 256 ))
	have=$(free_kib)
	[ "$have" -ge "$need" ] || { say "ERROR not enough space on the overlay: $have KiB free, $need KiB needed (package, its unpacked files, the ${STORE_BYTES}-byte store)"; exit 3; }

	trap 'fail "interrupted (link lost?)"' HUP PIPE TERM INT
	step "journal and backups in $backup"
	mkdir -p "$backup" 2>>"$log" && : >"$manifest" 2>>"$log" || { rm -rf "$state"; say "ERROR cannot create $backup (overlay full?)"; exit 3; }
	journal created-dir "$state"
	journal created-dir "$backup"
	record_new_paths
	step "installing the package (opkg install)"
	quiet opkg install "$staging/$PKG.ipk" || fail "opkg install failed: $(tail -n 3 "$log" | tr '\n' ' ')"
	if [ "$MODE" = ports ]; then step "ports mode: taking $LAN_PORTS $WAN_PORTS from netifd, dnsmasq and firewall4"; ports_mode
	else step "router mode: dnsmasq DHCP off on $LAN_NET (DNS stays), nftables hook beside firewall4"; router_mode; fi
	step "console on $CONSOLE_DEV (from the next boot; Ctrl-] leaves to the OpenWrt shell)"
	serial_console
	step "reloading network services"
	[ "$MODE" = ports ] && quiet /etc/init.d/network reload
	quiet /etc/init.d/dnsmasq reload
	quiet /etc/init.d/firewall reload
	step "enabling and starting the service"
	for link in $(. /etc/init.d/$PKG >/dev/null 2>&1; echo "/etc/rc.d/S$START$PKG /etc/rc.d/K$STOP$PKG"); do
		[ -e "$link" ] || [ -L "$link" ] || journal created "$link"
	done
	quiet /etc/init.d/$PKG enable || fail "enable failed"
	quiet /etc/init.d/$PKG start || fail "start failed"
	wait_running || fail "Plugboard did not stay up: $(tail -n 3 /var/log/plugboard.log 2>/dev/null | tr '\n' ' ')"
	say "READY"
	# flash.sh checks the service from its side and answers; silence or a lost link undoes all.
	read -r -t 120 answer
	[ "$answer" = commit ] || fail "no confirmation from flash.sh (${answer:-link lost or timed out})"
	trap '' HUP PIPE TERM INT
	rm -rf "$staging"
	say "COMMITTED"
}

uninstall() {
	: >"$log"
	[ -f "$manifest" ] || { say "ERROR Plugboard is not installed by flash.sh here (no $manifest)"; exit 2; }
	rollback
	rm -rf "$staging"
	say "UNINSTALLED"
}

# dnsmasq's own guard (package/network/services/dnsmasq/files/dnsmasq.init): one DHCPDISCOVER
# from the router's side of the LAN; any answer means another server is there.
probe() {
	if udhcpc -n -q -s /bin/true -t 1 -T 3 -i "$1" >/dev/null 2>&1; then say "DHCP-SERVER-FOUND"; else say "NO-DHCP-SERVER"; fi
}

# What install and uninstall run on the router, for flash.sh --dry-run (printed on the PC; reads
# only the params file).
plan() {
	. "$staging/params"
	staging=/tmp/plugboard-flash
	cat <<PLAN
  (refuse unless uci, opkg, nft are there, Plugboard is not installed, dhcp.$LAN_NET exists and the overlay has room for the package and a $STORE_BYTES-byte store)
  mkdir -p $backup; journal every path the package will create
  opkg install $staging/$PKG.ipk
PLAN
	if [ "$MODE" = ports ]; then cat <<PLAN
  cp -p /etc/config/network /etc/config/dhcp $backup/files/etc/config/
  for each port of $LAN_PORTS $WAN_PORTS: uci del_list network.@device[N].ports=<port>; for each interface on it: uci set network.<if>.proto=none; uci set network.<if>.auto=0; uci set dhcp.<if>.ignore=1
  uci set dhcp.$LAN_NET.ignore=1; uci commit network; uci commit dhcp; /etc/init.d/network reload
PLAN
	else cat <<PLAN
  cp -p /etc/config/dhcp $backup/files/etc/config/dhcp
  uci set dhcp.$LAN_NET.ignore=1; uci commit dhcp
  if uci -q get firewall.@defaults[0].flow_offloading is 1: cp -p /etc/config/firewall (backup); uci set firewall.@defaults[0].flow_offloading=0; uci delete firewall.@defaults[0].flow_offloading_hw; uci commit firewall
PLAN
	fi
	cat <<PLAN
  cp -p /etc/inittab (backup); sed: $CONSOLE_DEV::askfirst:/usr/libexec/login.sh (or ::askconsole:) -> /usr/sbin/plugboard-console --serial
  /etc/init.d/dnsmasq reload; /etc/init.d/firewall reload
  /etc/init.d/$PKG enable; /etc/init.d/$PKG start; wait until /etc/init.d/$PKG status says running
  print READY; read the answer (120 s): commit keeps it all, anything else undoes it all
PLAN
}

plan_uninstall() {
	cat <<PLAN
  /etc/init.d/$PKG stop; nft delete table inet plugboard; opkg remove $PKG; uci revert dhcp firewall network
  from the journal $manifest, newest first: copy back each changed file, remove each created file and directory
  rm -rf $state; /etc/init.d/dnsmasq reload; /etc/init.d/firewall reload (and network, if it was changed)
PLAN
}

case "$1" in
plan) plan ;;
plan-uninstall) plan_uninstall ;;
install) install ;;
uninstall) uninstall ;;
probe) probe "$2" ;;
*) echo "usage: pbflash.sh install [dir] | uninstall | probe <device> | plan [dir] | plan-uninstall" >&2; exit 2 ;;
esac
