// A line editor over raw serial bytes: echo, editing keys, history, and the hooks for `?` and tab.
// It draws only with printable characters, backspace (0x08), CR and LF, so it works on a dumb
// terminal; ANSI arrow keys (CSI `ESC [ A` and SS3 `ESC O A` forms) are understood on input.
// What it cannot keep (a line over the limit, a non-ASCII character) refuses the whole line at Enter
// with the reason, so a command never runs with input silently cut or dropped.
import { decodeUtf8 } from '../util/text';

/** Room for the longest command: a 255-byte option as colon-separated hex is ~820 characters. */
export const MAX_LINE_LENGTH = 1024;

export type EditorAction =
  | { readonly kind: 'submit'; readonly line: string }
  /** Tab: the caller completes `line` at `cursor` and calls insert()/redraw(). */
  | { readonly kind: 'complete'; readonly line: string; readonly cursor: number }
  /** `?`: the caller prints help for the words before `cursor`, then redraw(). */
  | { readonly kind: 'help'; readonly line: string; readonly cursor: number }
  /** Ctrl-C: the line was dropped. */
  | { readonly kind: 'interrupt' }
  /** Ctrl-D on an empty line. */
  | { readonly kind: 'eof' }
  /** Enter on a line that could not be kept as typed: nothing may run; `reason` says why. */
  | { readonly kind: 'refused'; readonly reason: string };

const KEY = {
  ctrlA: 0x01, ctrlB: 0x02, ctrlC: 0x03, ctrlD: 0x04, ctrlE: 0x05, ctrlF: 0x06, bs: 0x08, tab: 0x09,
  lf: 0x0a, ctrlK: 0x0b, ctrlL: 0x0c, cr: 0x0d, ctrlN: 0x0e, ctrlP: 0x10, ctrlU: 0x15, ctrlV: 0x16, ctrlW: 0x17,
  esc: 0x1b, question: 0x3f, del: 0x7f,
} as const;

type EscapeState = 'none' | 'esc' | 'csi' | 'ss3';

export interface LineEditorOptions {
  readonly historySize?: number;
}

export class LineEditor {
  private chars: string[] = [];
  private cursor = 0;
  private prompt = '';
  private history: string[] = [];
  /** Index into history while browsing; history.length = the draft line. */
  private historyIndex = 0;
  private draft = '';
  private escape: EscapeState = 'none';
  /** Ctrl-V was pressed: the next printable byte is text, even `?` (as on IOS). */
  private literalNext = false;
  private csiParams = '';
  private lastWasCr = false;
  /** Why the line being typed cannot be kept (the first thing dropped), until Enter or Ctrl-C. */
  private refusal: string | undefined;
  /** Bytes of a non-ASCII character being collected, to name it in the refusal. */
  private utf8: number[] = [];
  private utf8Column = 0;
  private readonly historySize: number;
  /** Password entry: no echo, no history, `?` and tab are plain characters. */
  masked = false;

  constructor(private readonly write: (text: string) => void, options: LineEditorOptions = {}) {
    this.historySize = options.historySize ?? 50;
  }

  /** Begin a new line: print the prompt. */
  start(prompt: string, masked = false): void {
    this.prompt = prompt;
    this.masked = masked;
    this.chars = [];
    this.cursor = 0;
    this.historyIndex = this.history.length;
    this.draft = '';
    this.clearRefusal();
    this.write(prompt);
  }

  line(): string {
    return this.chars.join('');
  }

  /** Reprint the prompt and the line on a fresh row (after help or a completion list). */
  redraw(): void {
    this.write(this.prompt + (this.masked ? '' : this.line()) + '\b'.repeat(this.masked ? 0 : this.chars.length - this.cursor));
  }

  /** Blank the row holding the prompt and line, cursor at its start (to print a message there). */
  clearRow(): void {
    const width = this.prompt.length + (this.masked ? 0 : this.chars.length);
    this.write('\r' + ' '.repeat(width) + '\r');
  }

  /** Insert text at the cursor (completion). */
  insert(text: string): void {
    for (const ch of text) this.insertChar(ch);
  }

  historyEntries(): readonly string[] {
    return this.history;
  }

  /** Feed one input byte; returns an action when the byte completes one. */
  feedByte(byte: number): EditorAction | undefined {
    if (this.escape !== 'none') return this.feedEscape(byte);
    if (this.utf8.length > 0 && (byte & 0xc0) === 0x80) return this.collectUtf8(byte);
    this.nameUtf8();
    const afterCr = this.lastWasCr;
    this.lastWasCr = byte === KEY.cr;
    const literal = this.literalNext;
    this.literalNext = false;
    if (literal && byte >= 0x20 && byte < 0x7f) {
      this.insertChar(String.fromCharCode(byte));
      return undefined;
    }
    switch (byte) {
      case KEY.cr:
        return this.submit();
      case KEY.lf:
        return afterCr ? undefined : this.submit(); // CRLF counts once
      case KEY.ctrlC:
        this.write('^C\r\n');
        this.chars = [];
        this.cursor = 0;
        this.clearRefusal();
        return { kind: 'interrupt' };
      case KEY.ctrlD:
        if (this.chars.length === 0) return { kind: 'eof' };
        this.deleteAtCursor();
        return undefined;
      case KEY.bs:
      case KEY.del:
        this.backspace();
        return undefined;
      case KEY.ctrlU:
        this.killToStart();
        return undefined;
      case KEY.ctrlW:
        this.deleteWord();
        return undefined;
      case KEY.ctrlK:
        this.killToEnd();
        return undefined;
      case KEY.ctrlA:
        this.moveTo(0);
        return undefined;
      case KEY.ctrlE:
        this.moveTo(this.chars.length);
        return undefined;
      case KEY.ctrlB:
        this.moveTo(this.cursor - 1);
        return undefined;
      case KEY.ctrlF:
        this.moveTo(this.cursor + 1);
        return undefined;
      case KEY.ctrlP:
        this.browseHistory(-1);
        return undefined;
      case KEY.ctrlN:
        this.browseHistory(1);
        return undefined;
      case KEY.ctrlL:
        this.write('\r\n');
        this.redraw();
        return undefined;
      case KEY.esc:
        this.escape = 'esc';
        return undefined;
      case KEY.tab:
        if (this.masked) return undefined;
        return { kind: 'complete', line: this.line(), cursor: this.cursor };
      case KEY.ctrlV:
        this.literalNext = true;
        return undefined;
      case KEY.question:
        // Inside a quoted word `?` is text (hex:00??363d wildcards, pasted running-configs).
        if (this.masked || this.insideQuotes()) break;
        this.write('?\r\n');
        return { kind: 'help', line: this.line(), cursor: this.cursor };
      default:
        break;
    }
    if (byte >= 0x20 && byte < 0x7f) this.insertChar(String.fromCharCode(byte));
    else if (byte >= 0x80) this.startNonAscii(byte);
    // Other control bytes are editing keys this editor does not have: ignored.
    return undefined;
  }

  /** Configuration is ASCII: the line is refused at Enter, naming the first such character. */
  private startNonAscii(byte: number): void {
    if (this.refusal !== undefined || this.utf8.length > 0) return;
    this.ring();
    this.utf8Column = this.cursor + 1;
    if (byte >= 0xc2 && byte < 0xf5) this.utf8 = [byte];
    else this.refuseNonAscii(`byte 0x${byte.toString(16)}`);
  }

  private collectUtf8(byte: number): undefined {
    this.utf8.push(byte);
    const lead = this.utf8[0];
    const length = lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    if (this.utf8.length >= length) this.nameUtf8();
    return undefined;
  }

  /** The character collected so far (complete or cut short) becomes the refusal's reason. */
  private nameUtf8(): void {
    if (this.utf8.length === 0) return;
    const character = decodeUtf8(Uint8Array.from(this.utf8));
    this.utf8 = [];
    this.refuseNonAscii(`'${character}'`);
  }

  /** Masked (a password): the reason does not show what was typed or where. */
  private refuseNonAscii(what: string): void {
    this.refuse(`${this.masked ? 'a character typed' : `${what} (column ${this.utf8Column})`} is not ASCII; only ASCII can be kept`);
  }

  private refuse(reason: string): void {
    if (this.refusal === undefined) this.refusal = reason;
  }

  private clearRefusal(): void {
    this.refusal = undefined;
    this.utf8 = [];
  }

  private ring(): void {
    if (!this.masked) this.write('\x07');
  }

  private feedEscape(byte: number): EditorAction | undefined {
    const ch = String.fromCharCode(byte);
    if (this.escape === 'esc') {
      this.escape = ch === '[' ? 'csi' : ch === 'O' ? 'ss3' : 'none';
      this.csiParams = '';
      return undefined;
    }
    if (this.escape === 'csi' && byte >= 0x30 && byte <= 0x3f) {
      if (this.csiParams.length < 8) this.csiParams += ch; // bounded: a stuck sequence cannot grow
      return undefined;
    }
    this.escape = 'none';
    const final = ch === '~' ? `~${this.csiParams}` : ch;
    switch (final) {
      case 'A':
        this.browseHistory(-1);
        break;
      case 'B':
        this.browseHistory(1);
        break;
      case 'C':
        this.moveTo(this.cursor + 1);
        break;
      case 'D':
        this.moveTo(this.cursor - 1);
        break;
      case 'H':
      case '~1':
      case '~7':
        this.moveTo(0);
        break;
      case 'F':
      case '~4':
      case '~8':
        this.moveTo(this.chars.length);
        break;
      case '~3':
        this.deleteAtCursor();
        break;
      default:
        break; // unknown sequences are swallowed whole, never inserted as text
    }
    return undefined;
  }

  private submit(): EditorAction {
    this.nameUtf8();
    const line = this.line();
    this.write('\r\n');
    const refusal = this.refusal;
    if (refusal !== undefined) {
      this.chars = [];
      this.cursor = 0;
      this.clearRefusal();
      return { kind: 'refused', reason: refusal };
    }
    if (!this.masked && line.trim() !== '' && this.history[this.history.length - 1] !== line) {
      this.history.push(line);
      if (this.history.length > this.historySize) this.history.shift();
    }
    this.chars = [];
    this.cursor = 0;
    return { kind: 'submit', line };
  }

  private echo(text: string): void {
    if (!this.masked) this.write(text);
  }

  private tail(): string {
    return this.chars.slice(this.cursor).join('');
  }

  private insideQuotes(): boolean {
    let quotes = 0;
    for (let i = 0; i < this.cursor; i++) if (this.chars[i] === '"') quotes++;
    return quotes % 2 === 1;
  }

  private insertChar(ch: string): void {
    if (this.chars.length >= MAX_LINE_LENGTH) {
      if (this.refusal === undefined) this.ring();
      this.refuse(`the line is longer than ${MAX_LINE_LENGTH} characters`);
      return;
    }
    this.chars.splice(this.cursor, 0, ch);
    this.cursor++;
    const tail = this.tail();
    this.echo(ch + tail + '\b'.repeat(tail.length));
  }

  private backspace(): void {
    if (this.cursor === 0) return;
    this.cursor--;
    this.chars.splice(this.cursor, 1);
    const tail = this.tail();
    this.echo('\b' + tail + ' ' + '\b'.repeat(tail.length + 1));
  }

  private deleteAtCursor(): void {
    if (this.cursor >= this.chars.length) return;
    this.chars.splice(this.cursor, 1);
    const tail = this.tail();
    this.echo(tail + ' ' + '\b'.repeat(tail.length + 1));
  }

  /** Delete `count` characters before the cursor and redraw the rest of the line. */
  private deleteBefore(count: number): void {
    if (count <= 0) return;
    this.cursor -= count;
    this.chars.splice(this.cursor, count);
    const tail = this.tail();
    this.echo('\b'.repeat(count) + tail + ' '.repeat(count) + '\b'.repeat(tail.length + count));
  }

  private killToStart(): void {
    this.deleteBefore(this.cursor);
  }

  private killToEnd(): void {
    const removed = this.chars.length - this.cursor;
    if (removed === 0) return;
    this.chars.splice(this.cursor);
    this.echo(' '.repeat(removed) + '\b'.repeat(removed));
  }

  /** Ctrl-W: the word before the cursor and the spaces after it. */
  private deleteWord(): void {
    let start = this.cursor;
    while (start > 0 && this.chars[start - 1] === ' ') start--;
    while (start > 0 && this.chars[start - 1] !== ' ') start--;
    this.deleteBefore(this.cursor - start);
  }

  private moveTo(position: number): void {
    const target = Math.max(0, Math.min(this.chars.length, position));
    if (target < this.cursor) this.echo('\b'.repeat(this.cursor - target));
    else if (target > this.cursor) this.echo(this.chars.slice(this.cursor, target).join(''));
    this.cursor = target;
  }

  private replaceLine(text: string): void {
    if (this.masked) return;
    const oldLength = this.chars.length;
    this.write('\b'.repeat(this.cursor) + text);
    const pad = Math.max(0, oldLength - text.length);
    this.write(' '.repeat(pad) + '\b'.repeat(pad));
    this.chars = Array.from(text);
    this.cursor = this.chars.length;
  }

  private browseHistory(step: number): void {
    if (this.masked) return;
    const next = this.historyIndex + step;
    if (next < 0 || next > this.history.length) return;
    if (this.historyIndex === this.history.length) this.draft = this.line();
    this.historyIndex = next;
    this.replaceLine(next === this.history.length ? this.draft : this.history[next]);
  }
}
