// What users of other routers type out of habit: output filters after `|`, `do` from configure
// mode, and words of other command sets answered with what to type here instead.
import { tokenize } from './tokenize';

export type FilterKind = 'include' | 'exclude' | 'begin' | 'count';
export interface OutputFilter {
  readonly kind: FilterKind;
  readonly pattern: string;
}

const FILTER_KINDS: readonly FilterKind[] = ['include', 'exclude', 'begin', 'count'];

export type PipeSplit =
  | { readonly ok: true; readonly command: string; readonly filter?: OutputFilter }
  | { readonly ok: false; readonly message: string };

/** Split `show ... | include WORD` at the first `|` outside quotes. Only `show` may be filtered. */
export function splitPipe(line: string): PipeSplit {
  let inQuote = false;
  let bar = -1;
  for (let i = 0; i < line.length && bar < 0; i++) {
    if (line[i] === '"') inQuote = !inQuote;
    else if (line[i] === '|' && !inQuote) bar = i;
  }
  if (bar < 0) return { ok: true, command: line };
  const command = line.slice(0, bar);
  const first = tokenize(command).tokens[0]?.text.toLowerCase() ?? '';
  if (!'show'.startsWith(first) || first.length < 2) return { ok: false, message: "% '|' filters only the output of 'show' commands" };
  const words = tokenize(line.slice(bar + 1)).tokens.map((t) => t.text);
  const typed = (words[0] ?? '').toLowerCase();
  const kinds = FILTER_KINDS.filter((k) => typed !== '' && k.startsWith(typed));
  if (kinds.length !== 1) return { ok: false, message: `% After '|' type one of ${FILTER_KINDS.join(', ')}` };
  const kind = kinds[0];
  const pattern = words.slice(1).join(' ');
  if (kind !== 'count' && pattern === '') return { ok: false, message: `% '| ${kind}' needs the text to look for` };
  if (kind === 'count' && pattern !== '') return { ok: false, message: "% '| count' takes nothing more" };
  return { ok: true, command, filter: { kind, pattern } };
}

/** Lines kept by the filter; matching is plain text, case-insensitive (not a regular expression). */
export function applyFilter(lines: readonly string[], filter: OutputFilter): string[] {
  const needle = filter.pattern.toLowerCase();
  const has = (line: string) => line.toLowerCase().includes(needle);
  switch (filter.kind) {
    case 'include':
      return lines.filter(has);
    case 'exclude':
      return lines.filter((line) => !has(line));
    case 'begin': {
      const at = lines.findIndex(has);
      return at < 0 ? [] : lines.slice(at);
    }
    case 'count':
      return [`${lines.filter((line) => line !== '').length} lines`];
  }
}

/** `do show ...` from configure mode (IOS): the words after `do`, or undefined when it is not one. */
export function stripDo(line: string): string | undefined {
  const match = /^\s*do\s+(.*)$/i.exec(line);
  return match ? match[1] : undefined;
}

/** First words of other routers' command sets, with what does the job here. */
const HINTS: Readonly<Record<string, string>> = {
  enable: "there is no separate privileged mode: every command is available at this prompt",
  disable: "there is no separate privileged mode",
  commit: "changes apply at 'end' (or at once outside 'configure'); 'save' keeps them",
  discard: "'abort' leaves configure mode and drops the batch",
  compare: "'show config' lists what differs from the defaults",
  quit: "'logout' ends the session; 'exit' leaves configure mode",
  ip: "settings are keys: 'set lan.address A.B.C.D' (type 'set ?' for the list)",
  interface: "ports are not configured one by one: 'set lan.address', 'set wan.mode' ('set ?' lists every key)",
  hostname: "'set hostname NAME'",
  'delete': "'unset KEY' returns a key to its default",
  ping6: 'IPv6 is not supported',
  traceroute: 'not available yet; ping A.B.C.D checks a path',
};

/** A hint for an unknown first word that is a habit from another router, else undefined. */
export function habitHint(word: string): string | undefined {
  const hint = HINTS[word.toLowerCase()];
  return hint === undefined ? undefined : `% '${word}' is not a command here: ${hint}`;
}
