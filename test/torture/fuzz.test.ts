// The fuzz campaign's own machinery: a planted bug is caught with its case id and shrunk to a minimal
// reproducer; an input the target forgets to count fails the audit; a replayed case rebuilds the
// same input from the seed alone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeFuzzCampaign } from './fuzz/campaign';
import { hex, inputRng, mutate } from './fuzz/mutate';
import { TortureFailure } from './campaign';
import type { FuzzTarget } from './fuzz/target';

const SEEDS = [{ bytes: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) }];
const context = { quick: true, seed: 7, progress: () => {} };

test('a target that throws on one input fails with its case id and a shrunk reproducer', async () => {
  // Throws on any input holding 0xee followed by 0x42.
  const planted: FuzzTarget = {
    name: 'planted',
    describe: 'planted bug',
    seeds: () => SEEDS,
    create: () => ({
      feed(input) {
        for (let i = 0; i + 1 < input.length; i++) if (input[i] === 0xee && input[i + 1] === 0x42) throw new Error('planted');
        return 'ok';
      },
      audit: () => [],
    }),
    generate: (rng) => (rng.chance(0.002) ? Uint8Array.of(9, 9, 0xee, 0x42, 9) : mutate(SEEDS, rng).bytes),
  };
  try {
    await makeFuzzCampaign([planted]).run(context);
    assert.unreachable('the planted bug was not found');
  } catch (error) {
    assert.instance(error, TortureFailure);
    const failure = error as TortureFailure;
    assert.match(failure.caseId, /^planted:\d+$/);
    assert.match(failure.message, /minimal reproducer on a fresh target: ee42\n?/);
    // The case rebuilds the same input from (seed, target, index) alone.
    const index = Number(failure.caseId.split(':')[1]);
    const again = planted.generate!(inputRng(7, 'planted', index), SEEDS);
    assert.ok(failure.message.includes(`input (${again.length} bytes): ${hex(again)}`), 'the reported input is the rebuilt one');
  }
});

test('an input the target does not count fails the audit', async () => {
  let counted = 0;
  const leaky: FuzzTarget = {
    name: 'leaky',
    describe: 'drops one input in 500 without counting it',
    seeds: () => SEEDS,
    create: () => ({
      feed(_input, index) {
        if (index % 500 !== 499) counted++;
        return undefined;
      },
      audit: (fed) => (counted === fed ? [] : [`${fed} fed, ${counted} counted`]),
    }),
  };
  try {
    await makeFuzzCampaign([leaky]).run(context);
    assert.unreachable('the uncounted input was not noticed');
  } catch (error) {
    assert.instance(error, TortureFailure);
    assert.match((error as Error).message, /counted/);
  }
});

test.run();
