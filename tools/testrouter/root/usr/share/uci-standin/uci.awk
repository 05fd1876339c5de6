# The test router's stand-in for OpenWrt's uci: parses one config file (the syntax of
# https://openwrt.org/docs/guide-user/base-system/uci: `config <type> ['name']`, `option <k> <v>`,
# `list <k> <v>`, values bare or in single/double quotes), applies one operation, and prints the
# answer or, for a change, the whole file in the form `uci commit` writes (a blank line before each
# section, tab-indented options, single-quoted values). Variables: op, cfg, sec, opt, val.
function fail(msg) { print "uci: " msg > "/dev/stderr"; failed = 1; exit 1 }
function tokenize(line,   n, i, L, c, tok, intok, j) {
  n = 0; tok = ""; intok = 0; i = 1; L = length(line)
  while (i <= L) {
    c = substr(line, i, 1)
    if (c == "'") {
      j = index(substr(line, i + 1), "'"); if (!j) fail("Parse error (unterminated quote) at line " NR)
      tok = tok substr(line, i + 1, j - 1); i += j + 1; intok = 1; continue
    }
    if (c == "\"") {
      i++
      while (i <= L && (c = substr(line, i, 1)) != "\"") { if (c == "\\") { i++; c = substr(line, i, 1) } tok = tok c; i++ }
      if (i > L) fail("Parse error (unterminated quote) at line " NR)
      i++; intok = 1; continue
    }
    if (c == " " || c == "\t") { if (intok) { T[++n] = tok; tok = ""; intok = 0 } i++; continue }
    if (c == "#" && !intok) break
    if (c == "\\") { i++; c = substr(line, i, 1) }
    tok = tok c; intok = 1; i++
  }
  if (intok) T[++n] = tok
  return n
}
function q(v) { gsub(/'/, "'\\''", v); return "'" v "'" }
# The section a name means: a named section, or @type[n] (n may count from the end, -1 = last).
function find(name,   i, t, n, k, count) {
  if (name ~ /^@[A-Za-z0-9_]+\[-?[0-9]+\]$/) {
    t = substr(name, 2, index(name, "[") - 2); n = substr(name, index(name, "[") + 1); n = n + 0
    count = 0; for (i = 1; i <= ns; i++) if (!sdel[i] && stype[i] == t) idx[count++] = i
    if (n < 0) n += count
    return (n >= 0 && n < count) ? idx[n] : 0
  }
  for (i = 1; i <= ns; i++) if (!sdel[i] && sname[i] == name) return i
  return 0
}
function label(i,   k, n) {
  if (sname[i] != "") return sname[i]
  n = 0; for (k = 1; k < i; k++) if (!sdel[k] && stype[k] == stype[i]) n++
  return "@" stype[i] "[" n "]"
}
# Index of option k in section s (its first entry), 0 when absent.
function entry(s, k,   j) { for (j = 1; j <= ne[s]; j++) if (!edel[s, j] && ename[s, j] == k) return j; return 0 }
function value(s, k,   j, out, sep) {
  out = ""; sep = ""
  for (j = 1; j <= ne[s]; j++) if (!edel[s, j] && ename[s, j] == k) { out = out sep evalue[s, j]; sep = " " }
  return out
}
function shown(s, k,   j, out, sep) {
  out = ""; sep = ""
  for (j = 1; j <= ne[s]; j++) if (!edel[s, j] && ename[s, j] == k) { out = out sep q(evalue[s, j]); sep = " " }
  return out
}
function drop(s, k,   j) { for (j = 1; j <= ne[s]; j++) if (ename[s, j] == k) edel[s, j] = 1 }
function push(s, kind, k, v) { ne[s]++; ekind[s, ne[s]] = kind; ename[s, ne[s]] = k; evalue[s, ne[s]] = v }
function show_section(i,   j, seen, k) {
  print cfg "." label(i) "=" stype[i]
  delete seen
  for (j = 1; j <= ne[i]; j++) {
    if (edel[i, j]) continue
    k = ename[i, j]; if (k in seen) continue; seen[k] = 1
    if (opt == "" || opt == k) print cfg "." label(i) "." k "=" shown(i, k)
  }
}
function render(   i, j) {
  for (i = 1; i <= ns; i++) {
    if (sdel[i]) continue
    printf "\nconfig %s%s\n", stype[i], (sname[i] != "" ? " " q(sname[i]) : "")
    for (j = 1; j <= ne[i]; j++) if (!edel[i, j]) printf "\t%s %s %s\n", ekind[i, j], ename[i, j], q(evalue[i, j])
  }
}
{
  n = tokenize($0)
  if (n == 0) next
  if (T[1] == "package") next
  if (T[1] == "config") { ns++; stype[ns] = T[2]; sname[ns] = (n >= 3 ? T[3] : ""); ne[ns] = 0; next }
  if (T[1] == "option" || T[1] == "list") {
    if (!ns) fail("Parse error (option outside a section) at line " NR)
    if (T[1] == "option") drop(ns, T[2])
    push(ns, T[1], T[2], T[3]); next
  }
  fail("Parse error (invalid command '" T[1] "') at line " NR)
}
END {
  if (failed) exit 1
  if (op == "export") { print "package " cfg; render(); print ""; exit 0 }
  if (op == "show") {
    if (sec == "") { for (i = 1; i <= ns; i++) if (!sdel[i]) show_section(i); exit 0 }
    s = find(sec); if (!s) fail("Entry not found")
    if (opt != "" && !entry(s, opt)) fail("Entry not found")
    show_section(s); exit 0
  }
  if (op == "get") {
    s = find(sec); if (!s) fail("Entry not found")
    if (opt == "") { print stype[s]; exit 0 }
    if (!entry(s, opt)) fail("Entry not found")
    print value(s, opt); exit 0
  }
  if (op == "set") {
    s = find(sec)
    if (opt == "") {
      if (s) stype[s] = val
      else { if (sec ~ /^@/ || sec !~ /^[A-Za-z0-9_]+$/) fail("Invalid argument"); ns++; stype[ns] = val; sname[ns] = sec; ne[ns] = 0 }
    } else {
      if (!s) fail("Invalid argument")
      j = entry(s, opt)
      if (j && ekind[s, j] == "option") evalue[s, j] = val
      else { drop(s, opt); push(s, "option", opt, val) }
    }
    render(); exit 0
  }
  if (op == "add_list" || op == "del_list") {
    s = find(sec); if (!s || opt == "") fail("Invalid argument")
    if (op == "add_list") {
      # An option that becomes a list keeps its value as the first item.
      for (j = 1; j <= ne[s]; j++) if (!edel[s, j] && ename[s, j] == opt) ekind[s, j] = "list"
      push(s, "list", opt, val)
    } else for (j = 1; j <= ne[s]; j++) if (!edel[s, j] && ename[s, j] == opt && evalue[s, j] == val) edel[s, j] = 1
    render(); exit 0
  }
  if (op == "delete") {
    s = find(sec); if (!s) fail("Entry not found")
    if (opt == "") sdel[s] = 1
    else { if (!entry(s, opt)) fail("Entry not found"); drop(s, opt) }
    render(); exit 0
  }
  fail("unknown operation " op)
}
