// One console session: login with increasing delays, the line editor, `?` and tab, running commands
// (synchronous or not), and a --More-- pager. A pure state machine: bytes and `now` in, bytes out,
// pollAt() for the end of a login delay. It never reads a clock or creates a timer.
import type { Service } from '../stack/service';
import { encodeUtf8 } from '../util/text';
import { LineEditor } from './lineEditor';
import { commonPrefix, completions, formatHelp, helpAt, parseLine, type CommandIO, type CommandNode } from './commandTree';
import { quoteIfNeeded } from '../config/valueTypes';
import { applyFilter, habitHint, splitPipe, stripDo, type OutputFilter } from './habits';

export interface SessionOptions {
  /** The command tree (rebuilt per call so services that appear later are included). */
  readonly commands: () => readonly CommandNode[];
  readonly write: (bytes: Uint8Array) => void;
  readonly prompt: () => string;
  /** Undefined: no password asked. */
  readonly passwordHash: () => string | undefined;
  /** Starts checking a password; the session steps it between other work (PBKDF2 is slow on QuickJS). */
  readonly checkPassword: (password: string, hash: string) => { step(): boolean; matches(): boolean };
  /** Lines per page from the configuration; `terminal length` overrides it for this session. */
  readonly pageLength: () => number;
  readonly banner?: string;
  /** A line that did not parse (configure mode marks its batch failed). */
  readonly lineFailed?: (line: string, message: string) => void;
}

type State = 'login' | 'checking' | 'locked' | 'prompt' | 'running' | 'paging';

const MAX_QUEUED_INPUT = 4096;
/**
 * Password recovery needs the serial console and a power cycle: Ctrl-R within this long after the
 * console starts (at boot) logs in without the password, as routers' boot-time recovery keys do.
 * Nothing is erased; the owner sets a new password or removes it, then saves.
 */
const RECOVERY_KEY = 0x12; // Ctrl-R
const RECOVERY_WINDOW_MS = 5000;
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;

export class ConsoleSession implements Service {
  readonly name = 'console';
  private readonly editor: LineEditor;
  private state: State = 'prompt';
  private lockedUntil: number | undefined;
  private failures = 0;
  private queued: number[] = [];
  private output: string[] = [];
  private pageLines: string[] = [];
  private askResolve: ((line: string) => void) | undefined;
  private check: { step(): boolean; matches(): boolean } | undefined;
  private terminalLength: number | undefined;
  private filter: OutputFilter | undefined;
  private now = 0;
  private started = false;
  /** Wrong passwords since boot, for `show status`. */
  failedLogins = 0;
  /** The boot-time recovery key was used this boot, for `show status`. */
  recoveredAtBoot = false;
  private recoveryUntil: number | undefined;

  constructor(private readonly options: SessionOptions) {
    this.editor = new LineEditor((text) => this.writeText(text));
  }

  /** Print the banner and the login or command prompt. */
  start(now: number): void {
    this.now = now;
    this.started = true;
    if (this.options.banner) this.writeText(this.options.banner.replace(/\n/g, '\r\n') + '\r\n');
    if (this.options.passwordHash() !== undefined) {
      this.recoveryUntil = now + RECOVERY_WINDOW_MS;
      this.writeText(`Press Ctrl-R within ${RECOVERY_WINDOW_MS / 1000} s to log in without the password (password recovery).\r\n`);
    }
    this.enterLoginOrPrompt();
  }

  /** `terminal length N` (0 = never pause); undefined returns to the configured value. */
  setTerminalLength(lines: number | undefined): void {
    this.terminalLength = lines;
  }

  /** Back to the password prompt (`logout`), or to a fresh prompt when there is no password. */
  logout(): void {
    this.afterCommand = () => this.enterLoginOrPrompt();
  }

  /** An asynchronous message (log line): printed above the line being typed, which is redrawn. */
  notify(text: string): void {
    if (!this.started) return;
    if (this.state === 'prompt' || this.state === 'login') {
      // The message takes the prompt's row; the prompt and the half-typed line move below it.
      this.editor.clearRow();
      this.writeText(text.replace(/\n/g, '\r\n') + '\r\n');
      this.editor.redraw();
    } else if (this.state === 'running') {
      this.output.push(text);
    }
  }

  /** True while a command runs, waits for an answer, or pages its output. */
  busy(): boolean {
    return this.state === 'running' || this.state === 'paging';
  }

  history(): readonly string[] {
    return this.editor.historyEntries();
  }

  pollAt(): number | undefined {
    if (this.state === 'checking') return this.now; // more slices of the password check to run
    return this.state === 'locked' ? this.lockedUntil : undefined;
  }

  dispatch(now: number): void {
    this.now = now;
    if (this.state === 'checking' && this.check) {
      if (!this.check.step()) return;
      const ok = this.check.matches();
      this.check = undefined;
      this.loginResult(ok);
      return;
    }
    if (this.state === 'locked' && this.lockedUntil !== undefined && now >= this.lockedUntil) {
      this.lockedUntil = undefined;
      this.state = 'login';
      this.editor.start('Password: ', true);
    }
  }

  input(bytes: Uint8Array, now: number): void {
    this.now = now;
    if (!this.started) this.start(now);
    for (let i = 0; i < bytes.length; i++) this.feed(bytes[i]);
  }

  private afterCommand: (() => void) | undefined;

  private feed(byte: number): void {
    if (byte === RECOVERY_KEY && this.recoveryWindowOpen()) {
      this.recover();
      return;
    }
    switch (this.state) {
      case 'locked':
      case 'checking':
        return; // typed during the check or the delay: dropped, so guesses cannot be queued up
      case 'paging':
        this.pageKey(byte);
        return;
      case 'running':
        if (this.askResolve) this.editorByte(byte);
        else if (this.queued.length < MAX_QUEUED_INPUT) this.queued.push(byte);
        return;
      default:
        this.editorByte(byte);
    }
  }

  private editorByte(byte: number): void {
    const action = this.editor.feedByte(byte);
    if (!action) return;
    if (action.kind === 'refused') this.writeText(`% Refused: ${action.reason}; ${this.state === 'login' ? 'not checked' : 'nothing was run'}.\r\n`);
    if (this.askResolve) {
      if (action.kind === 'submit' || action.kind === 'interrupt' || action.kind === 'eof' || action.kind === 'refused') {
        const resolve = this.askResolve;
        this.askResolve = undefined;
        resolve(action.kind === 'submit' ? action.line : ''); // a refused answer is no answer
      } else if (action.kind === 'help') {
        this.editor.redraw();
      }
      return;
    }
    if (this.state === 'login') {
      if (action.kind === 'submit') this.checkPassword(action.line);
      else if (action.kind === 'interrupt' || action.kind === 'refused') this.editor.start('Password: ', true);
      return;
    }
    switch (action.kind) {
      case 'submit':
        this.runLine(action.line);
        return;
      case 'interrupt':
      case 'eof':
      case 'refused':
        this.showPrompt();
        return;
      case 'help':
        this.showHelp(action.line, action.cursor);
        return;
      case 'complete':
        this.complete(action.line, action.cursor);
        return;
    }
  }

  private recoveryWindowOpen(): boolean {
    if (this.recoveryUntil === undefined) return false;
    if (this.now >= this.recoveryUntil) this.recoveryUntil = undefined;
    return this.recoveryUntil !== undefined && (this.state === 'login' || this.state === 'checking' || this.state === 'locked');
  }

  private recover(): void {
    this.recoveryUntil = undefined;
    this.recoveredAtBoot = true;
    this.check = undefined;
    this.lockedUntil = undefined;
    this.failures = 0;
    this.writeText("\r\n% Password recovery: logged in without the password; nothing was erased.\r\n% Set a new one with 'set console.password <secret>' or remove it with 'unset console.password', then 'save'.\r\n");
    this.showPrompt();
  }

  private enterLoginOrPrompt(): void {
    if (this.options.passwordHash() !== undefined) {
      this.state = 'login';
      this.editor.start('Password: ', true);
    } else {
      this.showPrompt();
    }
  }

  private checkPassword(line: string): void {
    const hash = this.options.passwordHash();
    if (hash === undefined) {
      this.loginResult(true);
      return;
    }
    this.check = this.options.checkPassword(line, hash);
    this.state = 'checking';
  }

  private loginResult(ok: boolean): void {
    if (ok) {
      this.failures = 0;
      this.showPrompt();
      return;
    }
    this.failures++;
    this.failedLogins++;
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(this.failures - 1, 15));
    this.writeText(`% Wrong password; try again in ${delay / 1000} s\r\n`);
    this.state = 'locked';
    this.lockedUntil = this.now + delay;
  }

  private showPrompt(): void {
    this.state = 'prompt';
    this.editor.start(this.options.prompt());
  }

  private showHelp(line: string, cursor: number): void {
    const help = helpAt(this.options.commands(), line, cursor);
    const lines = typeof help === 'string' ? [help] : formatHelp(help);
    this.writeText(lines.join('\r\n') + '\r\n');
    this.editor.redraw();
  }

  private complete(line: string, cursor: number): void {
    const { partial, candidates } = completions(this.options.commands(), line, cursor);
    if (candidates.length === 0) {
      this.writeText('\x07'); // bell: nothing fits
      return;
    }
    if (candidates.length === 1) {
      const word = quoteIfNeeded(candidates[0]);
      this.editor.insert(word.slice(partial.length) + ' ');
      return;
    }
    const shared = commonPrefix(candidates);
    if (shared.length > partial.length) {
      this.editor.insert(shared.slice(partial.length));
      return;
    }
    this.writeText('\r\n' + candidates.join('  ') + '\r\n');
    this.editor.redraw();
  }

  private runLine(line: string): void {
    if (line.trim() === '' || line.trim().startsWith('!')) {
      this.showPrompt(); // blank lines and `!` comments (as in a pasted running-config)
      return;
    }
    const command = stripDo(line) ?? line;
    const piped = splitPipe(command);
    const parsed = piped.ok ? parseLine(this.options.commands(), piped.command) : piped;
    if (!parsed.ok) {
      const word = command.trim().split(/\s+/)[0];
      const message = (parsed.message.startsWith('% Unknown command') && habitHint(word)) || parsed.message;
      this.writeText(message + '\r\n');
      this.options.lineFailed?.(line, message);
      this.showPrompt();
      return;
    }
    this.filter = piped.ok ? piped.filter : undefined;
    if (!parsed.node.run) throw new Error('parseLine returned a node without run'); // programmer error
    this.state = 'running';
    this.output = [];
    const io: CommandIO = {
      print: (text = '') => {
        for (const part of text.split('\n')) this.output.push(part);
      },
      ask: (question) =>
        new Promise<string>((resolve) => {
          this.flushOutputUnpaged();
          this.askResolve = resolve;
          this.editor.start(question);
        }),
    };
    let result: void | Promise<void>;
    try {
      result = parsed.node.run(parsed.args, io);
    } catch (error) {
      io.print(`% Internal error in '${parsed.path.join(' ')}': ${String(error)}`);
      result = undefined;
    }
    if (result && typeof (result as Promise<void>).then === 'function') {
      (result as Promise<void>).then(
        () => this.finishCommand(),
        (error: unknown) => {
          io.print(`% Internal error in '${parsed.path.join(' ')}': ${String(error)}`);
          this.finishCommand();
        },
      );
    } else {
      this.finishCommand();
    }
  }

  private flushOutputUnpaged(): void {
    if (this.output.length > 0) this.writeText(this.output.join('\r\n') + '\r\n');
    this.output = [];
  }

  private finishCommand(): void {
    const lines = this.filter ? applyFilter(this.output, this.filter) : this.output;
    this.filter = undefined;
    this.output = [];
    const pageLength = this.terminalLength ?? this.options.pageLength();
    if (pageLength > 0 && lines.length >= pageLength) {
      this.writeText(lines.slice(0, pageLength - 1).join('\r\n') + '\r\n');
      this.pageLines = lines.slice(pageLength - 1);
      this.state = 'paging';
      this.writeText('--More--');
      return;
    }
    if (lines.length > 0) this.writeText(lines.join('\r\n') + '\r\n');
    this.endCommand();
  }

  private endCommand(): void {
    const after = this.afterCommand;
    this.afterCommand = undefined;
    if (after) after();
    else this.showPrompt();
    this.drainQueue();
  }

  /** Space: next page; Enter: next line; q or Ctrl-C: stop. Erases `--More--` with backspaces. */
  private pageKey(byte: number): void {
    const erase = '\b'.repeat(8) + ' '.repeat(8) + '\b'.repeat(8);
    const pageLength = this.terminalLength ?? this.options.pageLength();
    let count: number;
    if (byte === 0x20) count = Math.max(1, pageLength - 1);
    else if (byte === 0x0d || byte === 0x0a) count = 1;
    else if (byte === 0x71 || byte === 0x51 || byte === 0x03) count = 0;
    else return;
    this.writeText(erase);
    if (count === 0) this.pageLines = [];
    const shown = this.pageLines.splice(0, count);
    if (shown.length > 0) this.writeText(shown.join('\r\n') + '\r\n');
    if (this.pageLines.length > 0) {
      this.writeText('--More--');
      return;
    }
    this.state = 'running';
    this.endCommand();
  }

  private drainQueue(): void {
    while (this.queued.length > 0 && this.state !== 'running' && this.state !== 'paging') {
      const byte = this.queued.shift() as number;
      this.feed(byte);
    }
  }

  private writeText(text: string): void {
    this.options.write(encodeUtf8(text));
  }
}
