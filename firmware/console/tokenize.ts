// Split a command line into words: spaces separate, double quotes group (no escapes inside).

export interface Token {
  readonly text: string;
  /** Offsets in the line, quotes included. */
  readonly start: number;
  readonly end: number;
  readonly quoted: boolean;
}

export interface Tokenized {
  readonly tokens: Token[];
  /** The line ends inside an open quote. */
  readonly unterminated: boolean;
}

export function tokenize(line: string): Tokenized {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === ' ' || line[i] === '\t') {
      i++;
      continue;
    }
    const start = i;
    if (line[i] === '"') {
      const close = line.indexOf('"', i + 1);
      if (close < 0) {
        tokens.push({ text: line.slice(i + 1), start, end: line.length, quoted: true });
        return { tokens, unterminated: true };
      }
      tokens.push({ text: line.slice(i + 1, close), start, end: close + 1, quoted: true });
      i = close + 1;
      continue;
    }
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') i++;
    tokens.push({ text: line.slice(start, i), start, end: i, quoted: false });
  }
  return { tokens, unterminated: false };
}
