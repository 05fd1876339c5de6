# The test router's stand-in for procd's init API (OpenWrt: package/system/procd/files/procd.sh).
# Real procd is PID 1 and takes the service description over ubus; here each instance is a
# directory /var/run/procd/<service>/<instance>/ (command one argument per line, respawn,
# term_timeout, pidfile, stdout/stderr) watched by one /sbin/procd-instance supervisor process.
# Kept from procd: instance names default to instance1, instance2...; respawn without values takes
# system.@service[0] or 3600 5 5; `set` replaces the service's instances (one left unchanged keeps
# running), `add` adds; stop sends SIGTERM and SIGKILL after term_timeout (default 5 s).
PROCD_RUN=/var/run/procd
_PROCD_SERVICE=
_PROCD_SEQ=0

procd_open_service() {
	_PROCD_SERVICE=$1
	_PROCD_SEQ=0
	_PROCD_STAGE=$(mktemp -d /tmp/procd-stage.XXXXXX)
}

procd_open_instance() {
	_PROCD_SEQ=$((_PROCD_SEQ + 1))
	_PROCD_INSTANCE=${1:-instance$_PROCD_SEQ}
	mkdir -p "$_PROCD_STAGE/$_PROCD_INSTANCE"
}

_procd_param_file() { echo "$_PROCD_STAGE/$_PROCD_INSTANCE/$1"; }

procd_set_param() {
	local type="$1" file; shift
	file=$(_procd_param_file "$type")
	case "$type" in
	command|respawn|env|netdev|file|data|limits)
		: >"$file"; for a in "$@"; do printf '%s\n' "$a" >>"$file"; done ;;
	*) printf '%s\n' "$1" >"$file" ;;
	esac
}

procd_append_param() {
	local type="$1" file; shift
	file=$(_procd_param_file "$type")
	for a in "$@"; do printf '%s\n' "$a" >>"$file"; done
}

procd_close_instance() {
	local dir="$_PROCD_STAGE/$_PROCD_INSTANCE"
	if [ -f "$dir/respawn" ] && [ ! -s "$dir/respawn" ]; then
		printf '%s\n%s\n%s\n' "$(uci -q get system.@service[0].respawn_threshold || echo 3600)" \
			"$(uci -q get system.@service[0].respawn_timeout || echo 5)" \
			"$(uci -q get system.@service[0].respawn_retry || echo 5)" >"$dir/respawn"
	fi
}

_procd_spec() { cat "$1"/* 2>/dev/null | md5sum; }

_procd_stop_instance() { # dir
	local pid
	pid=$(cat "$1/supervisor" 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		# The supervisor gives its child term_timeout, then SIGKILL; wait that long and a little more.
		local t=$(( ($(cat "$1/term_timeout" 2>/dev/null || echo 5) + 2) * 10 ))
		while [ "$t" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; t=$((t - 1)); done
		kill -KILL "$pid" 2>/dev/null
	fi
	rm -rf "$1"
}

procd_close_service() {
	local method=${1:-set} svc="$PROCD_RUN/$_PROCD_SERVICE" inst new
	mkdir -p "$svc"
	if [ "$method" = set ]; then
		for inst in "$svc"/*/; do
			[ -d "$inst" ] || continue
			inst=${inst%/}; [ -d "$_PROCD_STAGE/${inst##*/}" ] || _procd_stop_instance "$inst"
		done
	fi
	for new in "$_PROCD_STAGE"/*/; do
		[ -d "$new" ] || continue
		new=${new%/}; inst="$svc/${new##*/}"
		if [ -d "$inst" ] && [ "$(_procd_spec "$inst/spec")" = "$(_procd_spec "$new")" ] && kill -0 "$(cat "$inst/supervisor" 2>/dev/null)" 2>/dev/null; then
			continue
		fi
		[ -d "$inst" ] && _procd_stop_instance "$inst"
		mkdir -p "$inst" && cp -a "$new" "$inst/spec"
		setsid /sbin/procd-instance "$inst" </dev/null >/dev/null 2>&1 &
		echo $! >"$inst/supervisor"
	done
	rm -rf "$_PROCD_STAGE"
}

procd_kill() { # service [instance]
	local inst
	for inst in "$PROCD_RUN/$1"/${2:-*}/; do [ -d "$inst" ] && _procd_stop_instance "${inst%/}"; done
	[ -z "$2" ] && rm -rf "$PROCD_RUN/$1"
	return 0
}

procd_running() { # service [instance]
	local inst
	for inst in "$PROCD_RUN/$1"/${2:-*}/; do
		[ -f "${inst}running" ] && return 0
	done
	return 1
}

_procd_status() { # service [instance]: prints as procd.sh does, same return codes
	local inst n_total=0 n_running=0
	[ -d "$PROCD_RUN/$1" ] || { echo "inactive"; return 3; }
	for inst in "$PROCD_RUN/$1"/${2:-*}/; do
		[ -d "$inst" ] || continue
		n_total=$((n_total + 1)); [ -f "${inst}running" ] && n_running=$((n_running + 1))
	done
	[ "$n_total" -gt 0 ] || { [ -z "$2" ] && { echo "active with no instances"; return 0; }; echo "unknown instance $2"; return 4; }
	if [ "$n_running" -eq "$n_total" ]; then echo "running"; return 0; fi
	if [ "$n_running" -gt 0 ]; then echo "running ($n_running/$n_total)"; return 0; fi
	echo "not running"; return 5
}

procd_add_reload_trigger() { return 0; }
procd_add_interface_trigger() { return 0; }
procd_add_validation() { return 0; }
procd_open_trigger() { return 0; }
procd_close_trigger() { return 0; }
procd_set_config_changed() { return 0; }
