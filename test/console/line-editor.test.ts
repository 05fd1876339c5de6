import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { LineEditor, MAX_LINE_LENGTH, type EditorAction } from '../../firmware/console/lineEditor';
import { encodeUtf8 } from '../../firmware/util/text';
import { Screen } from './terminal';

function editor() {
  const screen = new Screen();
  const raw: string[] = [];
  const ed = new LineEditor((text) => {
    raw.push(text);
    screen.write(text);
  });
  ed.start('> ');
  const actions: EditorAction[] = [];
  const feed = (input: string | number[]) => {
    const bytes = typeof input === 'string' ? Array.from(input, (c) => c.charCodeAt(0)) : input;
    for (const b of bytes) {
      const a = ed.feedByte(b);
      if (a) actions.push(a);
    }
  };
  return { ed, screen, actions, feed, raw };
}

const ESC = '\x1b';

test('echoes typed characters and submits on CR with the line', () => {
  const { screen, actions, feed } = editor();
  feed('show version\r');
  assert.equal(actions, [{ kind: 'submit', line: 'show version' }]);
  assert.is(screen.rows[0], '> show version');
});

test('CR, LF and CRLF each end exactly one line', () => {
  const { actions, feed } = editor();
  feed('a\rb\nc\r\nd\r\n');
  assert.equal(actions.map((a) => (a.kind === 'submit' ? a.line : a.kind)), ['a', 'b', 'c', 'd']);
});

test('backspace (0x08) and DEL (0x7f) erase the character before the cursor on screen too', () => {
  const { ed, screen, feed } = editor();
  feed('shox');
  feed([0x7f]);
  feed('w');
  feed([0x08, 0x08]);
  feed('ow');
  assert.is(ed.line(), 'show');
  assert.is(screen.current(), '> show');
});

test('Ctrl-C drops the line and reports an interrupt', () => {
  const { ed, actions, feed, screen } = editor();
  feed('set lan.address 1');
  feed([0x03]);
  assert.equal(actions, [{ kind: 'interrupt' }]);
  assert.is(ed.line(), '');
  assert.match(screen.text(), /\^C/);
});

test('Ctrl-U erases to the start, Ctrl-W the word before the cursor, Ctrl-K to the end', () => {
  const { ed, screen, feed } = editor();
  feed('show running-config');
  feed([0x17]);
  assert.is(ed.line(), 'show ');
  assert.is(screen.current(), '> show');
  feed('leases');
  feed([0x15]);
  assert.is(ed.line(), '');
  assert.is(screen.current(), '>');
  feed('ping 10.0.0.1');
  feed([0x01]); // Ctrl-A
  feed([0x06, 0x06, 0x06, 0x06, 0x06]); // Ctrl-F x5
  feed([0x0b]); // Ctrl-K
  assert.is(ed.line(), 'ping ');
  assert.is(screen.current(), '> ping');
});

test('arrow keys in CSI and SS3 form move the cursor; insertion happens mid-line', () => {
  for (const [left, right] of [[`${ESC}[D`, `${ESC}[C`], [`${ESC}OD`, `${ESC}OC`]]) {
    const { ed, screen, feed } = editor();
    feed('sh leases');
    feed(left.repeat(7));
    feed('ow');
    assert.is(ed.line(), 'show leases');
    assert.is(screen.current(), '> show leases');
    assert.is(screen.cursor(), 2 + 4);
    feed(right.repeat(20)); // clamped at the end
    assert.is(screen.cursor(), 2 + 11);
  }
});

test('Home/End/Delete escape sequences', () => {
  const { ed, screen, feed } = editor();
  feed('xshow');
  feed(`${ESC}[H`);
  feed(`${ESC}[3~`);
  assert.is(ed.line(), 'show');
  feed(`${ESC}[F`);
  feed('!');
  assert.is(ed.line(), 'show!');
  feed(`${ESC}[1~`);
  assert.is(screen.cursor(), 2);
  feed(`${ESC}[4~`);
  assert.is(screen.cursor(), 7);
});

test('up and down browse history (CSI and SS3), keeping the draft', () => {
  const { ed, screen, feed } = editor();
  feed('show version\r');
  ed.start('> ');
  feed('show leases\r');
  ed.start('> ');
  feed('dra');
  feed(`${ESC}[A`);
  assert.is(ed.line(), 'show leases');
  feed(`${ESC}OA`);
  assert.is(ed.line(), 'show version');
  feed(`${ESC}[A`); // at the oldest: stays
  assert.is(ed.line(), 'show version');
  feed(`${ESC}[B${ESC}OB`);
  assert.is(ed.line(), 'dra');
  assert.is(screen.current(), '> dra');
  assert.equal(ed.historyEntries(), ['show version', 'show leases']);
});

test('? and tab are reported with the line and cursor; unknown escapes are swallowed', () => {
  const { actions, feed, ed } = editor();
  feed('sh');
  feed('?');
  feed('\t');
  feed(`${ESC}[99z`);
  feed(`${ESC}[5~`);
  assert.equal(actions, [
    { kind: 'help', line: 'sh', cursor: 2 },
    { kind: 'complete', line: 'sh', cursor: 2 },
  ]);
  assert.is(ed.line(), 'sh');
});

test('? is text inside a quoted word and after Ctrl-V (hex wildcards can be typed and pasted)', () => {
  const { actions, feed, screen } = editor();
  feed('vendor-class "hex:00??363d" ');
  feed('\x16?');
  feed('?');
  assert.equal(actions, [{ kind: 'help', line: 'vendor-class "hex:00??363d" ?', cursor: 29 }]);
  feed('\x15hex:\x16?\x16?\r');
  assert.equal(actions[1], { kind: 'submit', line: 'hex:??' });
  assert.match(screen.text(), /"hex:00\?\?363d" \?\?/);
});

test('masked entry echoes nothing and keeps no history', () => {
  const { ed, screen, feed, actions } = editor();
  ed.start('Password: ', true);
  feed('s3cret?\r');
  assert.equal(actions, [{ kind: 'submit', line: 's3cret?' }]);
  assert.not.match(screen.text(), /s3cret/);
  assert.equal(ed.historyEntries(), []);
});

test('Ctrl-D ends an empty line, deletes under the cursor otherwise', () => {
  const { actions, feed, ed } = editor();
  feed('ab');
  feed([0x02, 0x04]);
  assert.is(ed.line(), 'a');
  feed([0x15, 0x04]);
  assert.equal(actions, [{ kind: 'eof' }]);
});

// The screen a dumb terminal shows always equals prompt + line, whatever keys arrive.
const key = fc.oneof(
  fc.constantFrom('a', 'b', ' ', 'x', '1', '.', '-'),
  fc.constantFrom('\x7f', '\x08', '\x15', '\x17', '\x0b', '\x01', '\x05', '\x02', '\x06', '\x04'),
  fc.constantFrom(`${ESC}[D`, `${ESC}[C`, `${ESC}OD`, `${ESC}OC`, `${ESC}[H`, `${ESC}[F`, `${ESC}[3~`),
);

test('property: after any edit sequence the terminal row shows exactly prompt + line, cursor in place', () => {
  fc.assert(
    fc.property(fc.array(key, { maxLength: 80 }), (keys) => {
      const { ed, screen, feed } = editor();
      feed('start ');
      for (const k of keys) {
        if (k === '\x04' && ed.line() === '') continue; // Ctrl-D on empty ends the session
        feed(k);
      }
      assert.is(screen.current(), ('> ' + ed.line()).trimEnd());
      assert.ok(screen.rows.length === 1);
    }),
    { numRuns: 400, seed: 5 },
  );
});

test('a line over the limit is refused with the reason when submitted, never cut and run', () => {
  const { actions, feed } = editor();
  feed('x'.repeat(MAX_LINE_LENGTH) + '\r');
  assert.equal(actions, [{ kind: 'submit', line: 'x'.repeat(MAX_LINE_LENGTH) }], 'a line at the limit is kept whole');
  feed('set hostname ' + 'y'.repeat(MAX_LINE_LENGTH) + '\r');
  assert.equal(actions[1], { kind: 'refused', reason: `the line is longer than ${MAX_LINE_LENGTH} characters` });
  feed('show version\r');
  assert.equal(actions[2], { kind: 'submit', line: 'show version' }, 'the next line is whole again');
});

test('non-ASCII input refuses the line, naming the character; the bell rings when it is typed', () => {
  const { actions, feed, screen, raw } = editor();
  feed(Array.from(encodeUtf8('set hostname mü')));
  assert.ok(raw.join('').endsWith('m\x07'), 'the bell, once for the character');
  feed('nchen');
  assert.is(screen.rows[0], '> set hostname mnchen', 'nothing is drawn for it');
  feed('\r');
  assert.equal(actions, [{ kind: 'refused', reason: "'ü' (column 15) is not ASCII; only ASCII can be kept" }]);
  feed(Array.from(encodeUtf8('a€b\r')));
  assert.equal(actions[1], { kind: 'refused', reason: "'€' (column 2) is not ASCII; only ASCII can be kept" });
  feed([0x41, 0xff, 0x0d]); // a byte that starts no UTF-8 character
  assert.equal(actions[2], { kind: 'refused', reason: "byte 0xff (column 2) is not ASCII; only ASCII can be kept" });
});

test('Ctrl-C after a refused character starts a clean line', () => {
  const { actions, feed } = editor();
  feed(Array.from(encodeUtf8('ä')));
  feed('\x03ok\r');
  assert.equal(actions, [{ kind: 'interrupt' }, { kind: 'submit', line: 'ok' }]);
});

test('fuzz: random bytes never throw and the line stays bounded', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
      const { ed, feed } = editor();
      feed(Array.from(bytes));
      assert.ok(ed.line().length <= MAX_LINE_LENGTH);
    }),
    { numRuns: 300, seed: 7 },
  );
});

test.run();
