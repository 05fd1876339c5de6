// `npm test` runs every torture campaign in its quick form (the full form is `npm run torture`):
// each must pass, and its figures print so a run's log shows what was proved.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CAMPAIGNS } from './campaigns';
import { TortureFailure, reproducer } from './campaign';

const SEED = 1;

for (const campaign of CAMPAIGNS) {
  test(`torture (quick): ${campaign.name} — ${campaign.describe}`, async () => {
    try {
      const figures = await campaign.run({ quick: true, seed: SEED, progress: () => {} });
      console.log(`\n  ${campaign.name}: ${figures.map((f) => `${f.what}: ${f.value}`).join('; ')}`);
      assert.ok(figures.length > 0);
    } catch (error) {
      const caseId = error instanceof TortureFailure ? error.caseId : undefined;
      assert.unreachable(`${error instanceof Error ? error.message : String(error)}\n  reproduce: ${reproducer(campaign.name, SEED, true, caseId)}`);
    }
  });
}

test.run();
