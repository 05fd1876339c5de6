// The Cisco-like command tree: keywords matched by unambiguous prefix, typed arguments, help text on
// every node, and the three things the console asks of it: parse a line, complete a word, list help.
import { tokenize, type Token } from './tokenize';

export type ArgResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

export interface ArgType {
  /** Shown by `?`, e.g. `A.B.C.D`, `<1-65535>`, `WORD`. */
  readonly syntax: string;
  parse(text: string): ArgResult;
  /** Candidates for tab completion (filtered by prefix here). */
  complete?(): readonly string[];
}

export interface ArgSpec {
  readonly name: string;
  readonly help: string;
  readonly type: ArgType;
  readonly optional?: boolean;
}

/** Where a command prints, and how it asks a yes/no question (factory-reset). */
export interface CommandIO {
  print(text?: string): void;
  /** Shows `question` and resolves with the next line the user types. */
  ask(question: string): Promise<string>;
}

export type Args = Readonly<Record<string, unknown>>;
export type Handler = (args: Args, io: CommandIO) => void | Promise<void>;

export interface CommandNode {
  readonly word: string;
  readonly help: string;
  /** Arguments that follow this keyword, before any child keyword. */
  readonly args?: readonly ArgSpec[];
  /** Keywords that may follow (after the args). */
  readonly children?: readonly CommandNode[] | (() => readonly CommandNode[]);
  /** Runnable when the line ends here. */
  readonly run?: Handler;
  /** Shortest prefix that selects this word, so a newer word does not make older short forms ambiguous. */
  readonly minPrefix?: number;
}

export function childrenOf(node: CommandNode): readonly CommandNode[] {
  const c = node.children;
  return typeof c === 'function' ? c() : c ?? [];
}

export type ParseOutcome =
  | { readonly ok: true; readonly node: CommandNode; readonly args: Args; readonly path: readonly string[] }
  | { readonly ok: false; readonly message: string };

type MatchResult = { kind: 'one'; node: CommandNode } | { kind: 'none' } | { kind: 'ambiguous'; candidates: string[] };

/** Exact keyword wins; otherwise a prefix must pick exactly one keyword (case-insensitive). */
export function matchKeyword(nodes: readonly CommandNode[], word: string): MatchResult {
  const lower = word.toLowerCase();
  const exact = nodes.find((n) => n.word === lower);
  if (exact) return { kind: 'one', node: exact };
  const candidates = nodes.filter((n) => n.word.startsWith(lower) && lower.length >= (n.minPrefix ?? 1));
  if (candidates.length === 1) return { kind: 'one', node: candidates[0] };
  if (candidates.length === 0) return { kind: 'none' };
  return { kind: 'ambiguous', candidates: candidates.map((n) => n.word) };
}

const wordList = (nodes: readonly CommandNode[]) => nodes.map((n) => n.word).join(', ');

interface Walk {
  node: CommandNode;
  /** Index of the next arg of `node` to fill. */
  argIndex: number;
  args: Record<string, unknown>;
  path: string[];
}

/** What the next word may be at a walk position. */
function expecting(walk: Walk): { arg?: ArgSpec; keywords: readonly CommandNode[]; canEnd: boolean } {
  const specs = walk.node.args ?? [];
  const arg = specs[walk.argIndex];
  const rest = specs.slice(walk.argIndex);
  const allOptional = rest.every((a) => a.optional);
  const keywords = arg === undefined || allOptional ? childrenOf(walk.node) : [];
  return { arg, keywords, canEnd: walk.node.run !== undefined && allOptional };
}

/** Consume one word at a walk position; returns an error message for the user or undefined. */
function step(walk: Walk, token: Token, position: number): string | undefined {
  const { arg, keywords } = expecting(walk);
  if (!token.quoted && keywords.length > 0) {
    const match = matchKeyword(keywords, token.text);
    if (match.kind === 'one') {
      walk.node = match.node;
      walk.argIndex = 0;
      walk.path.push(match.node.word);
      return undefined;
    }
    if (match.kind === 'ambiguous') return `% Ambiguous '${token.text}' (word ${position}): could be ${match.candidates.join(', ')}`;
    if (!arg) return `% Unknown word '${token.text}' (word ${position}) after '${walk.path.join(' ')}': expected one of ${wordList(keywords)}`;
  }
  if (!arg) {
    return `% Unexpected '${token.text}' (word ${position}): '${walk.path.join(' ')}' takes nothing more`;
  }
  const parsed = arg.type.parse(token.text);
  if (!parsed.ok) return `% Invalid <${arg.name}> '${token.text}' (word ${position}): ${parsed.reason}`;
  walk.args[arg.name] = parsed.value;
  walk.argIndex++;
  return undefined;
}

export function parseLine(root: readonly CommandNode[], line: string): ParseOutcome {
  const { tokens, unterminated } = tokenize(line);
  if (unterminated) return { ok: false, message: '% Unterminated quote' };
  if (tokens.length === 0) return { ok: false, message: '% Empty command' };
  const top = matchKeyword(root, tokens[0].text);
  if (top.kind === 'none') return { ok: false, message: `% Unknown command '${tokens[0].text}' (word 1): type ? for the list` };
  if (top.kind === 'ambiguous') return { ok: false, message: `% Ambiguous '${tokens[0].text}' (word 1): could be ${top.candidates.join(', ')}` };
  const walk: Walk = { node: top.node, argIndex: 0, args: {}, path: [top.node.word] };
  for (let i = 1; i < tokens.length; i++) {
    const error = step(walk, tokens[i], i + 1);
    if (error) return { ok: false, message: error };
  }
  const { arg, keywords, canEnd } = expecting(walk);
  if (!canEnd) {
    const wants = arg && !arg.optional ? `<${arg.name}> (${arg.type.syntax})` : `one of ${wordList(keywords)}`;
    return { ok: false, message: `% Incomplete command '${walk.path.join(' ')}': expected ${wants}` };
  }
  return { ok: true, node: walk.node, args: walk.args, path: walk.path };
}

/** Walk the complete words before the cursor; undefined when one of them is wrong. */
function walkTo(root: readonly CommandNode[], tokens: Token[]): Walk | 'root' | undefined {
  if (tokens.length === 0) return 'root';
  const top = matchKeyword(root, tokens[0].text);
  if (top.kind !== 'one') return undefined;
  const walk: Walk = { node: top.node, argIndex: 0, args: {}, path: [top.node.word] };
  for (let i = 1; i < tokens.length; i++) if (step(walk, tokens[i], i + 1)) return undefined;
  return walk;
}

function splitAtCursor(line: string, cursor: number): { done: Token[]; partial: string; partialQuoted: boolean } {
  const before = line.slice(0, cursor);
  const { tokens } = tokenize(before);
  const endsInWord = before.length > 0 && !/\s$/.test(before) && tokens.length > 0 && tokens[tokens.length - 1].end === before.length;
  const openQuote = tokenize(before).unterminated;
  if (endsInWord || openQuote) {
    const last = tokens[tokens.length - 1];
    return { done: tokens.slice(0, -1), partial: last.text, partialQuoted: last.quoted };
  }
  return { done: tokens, partial: '', partialQuoted: false };
}

/** Words that could replace the partial word at the cursor. */
export function completions(root: readonly CommandNode[], line: string, cursor: number): { partial: string; candidates: string[] } {
  const { done, partial } = splitAtCursor(line, cursor);
  const walk = walkTo(root, done);
  if (!walk) return { partial, candidates: [] };
  const lower = partial.toLowerCase();
  if (walk === 'root') return { partial, candidates: root.map((n) => n.word).filter((w) => w.startsWith(lower)) };
  const { arg, keywords } = expecting(walk);
  const words = keywords.map((n) => n.word).filter((w) => w.startsWith(lower));
  const values = arg?.type.complete ? arg.type.complete().filter((v) => v.toLowerCase().startsWith(lower)) : [];
  return { partial, candidates: [...words, ...values] };
}

export interface HelpEntry {
  readonly word: string;
  readonly help: string;
}

/** Context help for `?` typed at the cursor: what may come next, or what the partial word may become. */
export function helpAt(root: readonly CommandNode[], line: string, cursor: number): HelpEntry[] | string {
  const { done, partial } = splitAtCursor(line, cursor);
  const walk = walkTo(root, done);
  if (!walk) {
    const parsed = parseLine(root, done.map((t) => (t.quoted ? `"${t.text}"` : t.text)).join(' '));
    return parsed.ok ? '% Invalid input' : parsed.message;
  }
  const lower = partial.toLowerCase();
  const nodes = walk === 'root' ? root : expecting(walk).keywords;
  const entries: HelpEntry[] = nodes.filter((n) => n.word.startsWith(lower)).map((n) => ({ word: n.word, help: n.help }));
  if (walk !== 'root') {
    const { arg, canEnd } = expecting(walk);
    if (arg) {
      const values = arg.type.complete?.().filter((v) => v.toLowerCase().startsWith(lower)) ?? [];
      if (partial === '' || values.length > 0 || entries.length === 0) {
        entries.push({ word: `<${arg.name}>`, help: `${arg.help}: ${arg.type.syntax}${arg.optional ? ' (optional)' : ''}` });
      }
      for (const value of values) entries.push({ word: `  ${value}`, help: '' });
    }
    if (canEnd && partial === '') entries.push({ word: '<cr>', help: 'run it' });
  }
  return entries.length > 0 ? entries : `% Nothing matches '${partial}' here`;
}

export function formatHelp(entries: readonly HelpEntry[]): string[] {
  const width = Math.min(28, Math.max(...entries.map((e) => e.word.length)) + 2);
  // A word longer than the column still keeps two spaces before its help.
  return entries.map((e) => (e.help ? `  ${`${e.word}  `.padEnd(width)}${e.help}` : `  ${e.word}`));
}

/** The longest common prefix of the candidates (for tab with several matches). */
export function commonPrefix(words: readonly string[]): string {
  if (words.length === 0) return '';
  let prefix = words[0];
  for (const w of words) while (!w.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}
