// A tiny terminal model for tests: applies CR, LF, backspace and printable bytes to a screen so
// assertions read what a user of a dumb terminal would see. BEL is ignored; anything else is kept.

export class Screen {
  rows: string[] = [''];
  private col = 0;

  write(text: string): void {
    for (const ch of text) {
      const row = this.rows.length - 1;
      if (ch === '\r') this.col = 0;
      else if (ch === '\n') {
        this.rows.push('');
        this.col = 0;
      } else if (ch === '\b') this.col = Math.max(0, this.col - 1);
      else if (ch === '\x07') continue;
      else {
        const line = this.rows[row].padEnd(this.col, ' ');
        this.rows[row] = line.slice(0, this.col) + ch + line.slice(this.col + 1);
        this.col++;
      }
    }
  }

  /** The row the cursor is on, trailing spaces dropped. */
  current(): string {
    return this.rows[this.rows.length - 1].trimEnd();
  }

  cursor(): number {
    return this.col;
  }

  text(): string {
    return this.rows.map((r) => r.trimEnd()).join('\n');
  }
}
