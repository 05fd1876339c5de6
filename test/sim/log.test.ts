import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Log, formatLogEntry } from '../../firmware/log';
import { decodeUtf8 } from '../../firmware/util/text';

function setup(options = {}) {
  let now = 0;
  const out: string[] = [];
  const log = new Log({ now: () => now }, { write: (b) => out.push(decodeUtf8(b)) }, options);
  return { log, out, tick: (ms: number) => (now += ms) };
}

test('lines at or above the console level reach the console, formatted with uptime', () => {
  const { log, out, tick } = setup();
  tick(12345.6);
  log.info('boot', 'plugboard starting');
  log.debug('stack', 'not on the console by default');
  log.error('store', 'mount failed');
  assert.equal(out, ['[    12.346] info  boot: plugboard starting\r\n', '[    12.346] error store: mount failed\r\n']);
  assert.is(log.entries().length, 3, 'debug still goes to the ring');
  assert.is(log.entries('warn').length, 1);
});

test('the ring is bounded, keeps the newest, counts what it dropped, and cuts long texts', () => {
  const { log } = setup({ ringSize: 4, maxTextLength: 10 });
  for (let i = 0; i < 10; i++) log.debug('t', `message ${i}`);
  const entries = log.entries();
  assert.equal(entries.map((e) => e.text), ['message 6', 'message 7', 'message 8', 'message 9']);
  assert.is(log.droppedCount(), 6);
  log.info('t', 'x'.repeat(50));
  assert.is(log.entries().slice(-1)[0]?.text, 'xxxxxxxxxx...');
  log.clear();
  assert.is(log.entries().length, 0);
});

test('levels and sinks can change at run time', () => {
  const { log, out } = setup();
  log.setConsoleLevel('debug');
  log.debug('a', 'now visible');
  const redirected: string[] = [];
  log.setSink((line) => redirected.push(line));
  log.warn('a', 'elsewhere');
  assert.is(out.length, 1);
  assert.is(redirected.length, 1);
  assert.is(formatLogEntry({ time: 0, level: 'warn', source: 'x', text: 'y' }), '[     0.000] warn  x: y');
  assert.throws(() => new Log({ now: () => 0 }, undefined, { ringSize: 0 }), /ringSize/);
});

test.run();
