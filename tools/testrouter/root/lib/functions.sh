# The test router's stand-in for OpenWrt's /lib/functions.sh: only the helpers init scripts and
# package scripts here use (OpenWrt: package/base-files/files/lib/functions.sh).
append() { local var="$1" value="$2" sep="${3:- }"; eval "export -- \"$var=\${$var:+\${$var}\${value:+\$sep}}\$value\""; }
list_contains() { local var="$1" str="$2" val; eval "val=\" \${$var} \""; [ "${val%% $str *}" != "$val" ]; }
uci_get() { local sep="."; [ -n "$2" ] && uci -q get "$1.$2${3:+.$3}" || { [ $# -ge 4 ] && echo "$4"; [ -z "$2" ] && uci -q get "$1"; }; }
include() { local file; for file in "$1"/*.sh; do [ -f "$file" ] && . "$file"; done; }
