// A test's end of the router's console pty: write what a user would type, wait for text to appear.
// Polls the non-blocking pty so nothing stays open once close() has run.
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';

export class ConsoleClient {
  private fd: number | undefined;
  private buffer = '';
  /** Everything received since open, for failure messages. */
  transcript = '';

  constructor(readonly path: string) {
    this.fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  }

  write(text: string): void {
    if (this.fd === undefined) throw new Error('console closed');
    writeSync(this.fd, text);
  }

  /** Read what is there now (never blocks). */
  drain(): string {
    if (this.fd === undefined) return '';
    const chunk = Buffer.alloc(4096);
    let got = '';
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, chunk, 0, chunk.length, null);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EIO') break;
        throw error;
      }
      if (n <= 0) break;
      got += chunk.subarray(0, n).toString('latin1');
    }
    this.buffer += got;
    this.transcript += got;
    return got;
  }

  /** Wait until `pattern` appears in what arrived since the last expect; returns the text up to it. */
  async expect(pattern: RegExp, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.drain();
      const match = pattern.exec(this.buffer);
      if (match) {
        const upTo = this.buffer.slice(0, match.index + match[0].length);
        this.buffer = this.buffer.slice(match.index + match[0].length);
        return upTo;
      }
      if (Date.now() > deadline) throw new Error(`console: no ${pattern} within ${timeoutMs} ms; got:\n${this.transcript}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * Type a command line and wait for its echo, then for `until` in its output (the firmware's log
   * lines share the console and reprint the prompt, so a bare prompt does not mark the end).
   */
  async command(line: string, until: RegExp = /plugboard[>#] $/, timeoutMs = 5000): Promise<string> {
    this.write(`${line}\r`);
    await this.expect(new RegExp(`${escapeRegExp(line)}\r\n`), timeoutMs);
    return this.expect(until, timeoutMs);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
