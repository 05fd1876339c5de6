import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseArgs } from '../../tools/sim/start';

// `npm start`'s options: the LAN PC's pings are summed up by default, shown one by one with --ping.
test('npm start: pings summarized by default, --ping shows each, --no-ping none; bad values refused with the usage', () => {
  assert.equal(parseArgs([]), { seed: 1, durationMs: undefined, ping: 'summary', phones: 4 });
  assert.is((parseArgs(['--ping']) as { ping: string }).ping, 'every');
  assert.is((parseArgs(['--no-ping']) as { ping: string }).ping, 'off');
  assert.equal(parseArgs(['--seed', '7', '--duration', '2.5', '--phones', '0']), { seed: 7, durationMs: 2500, ping: 'summary', phones: 0 });
  assert.match(parseArgs(['--phones', '201']) as string, /--phones needs an integer 0\.\.200\nusage: npm start/);
  assert.match(parseArgs(['--pong']) as string, /unknown argument --pong/);
});

test.run();
