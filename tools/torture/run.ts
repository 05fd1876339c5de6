// `npm run torture [--quick] [--seed N] [--only <campaign>] [--case <id>]`: runs the torture campaigns
// (test/torture/), a progress line each, then a table of the figures. A failure prints its seed and
// the command that replays exactly the failing case; the exit code is 1.
import { CAMPAIGNS } from '../../test/torture/campaigns';
import { TortureFailure, reproducer, type Figure } from '../../test/torture/campaign';

interface Args {
  quick: boolean;
  seed: number;
  only?: string;
  caseId?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--quick') args.quick = true;
    else if (flag === '--seed') args.seed = Number(value());
    else if (flag === '--only') args.only = value();
    else if (flag === '--case') args.caseId = value();
    else throw new Error(`unknown argument ${flag} (use --quick, --seed N, --only <campaign>, --case <id>)`);
  }
  if (!Number.isInteger(args.seed) || args.seed < 0) throw new Error('--seed needs a non-negative integer');
  if (args.only && !CAMPAIGNS.some((c) => c.name === args.only)) throw new Error(`no campaign ${args.only}; there are ${CAMPAIGNS.map((c) => c.name).join(', ')}`);
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const tty = process.stdout.isTTY;
  const rows: { campaign: string; figure: Figure }[] = [];
  let failed = 0;
  const started = Date.now();
  console.log(`torture ${args.quick ? '(quick)' : '(full)'} seed ${args.seed}, ${new Date().toISOString().slice(0, 10)}`);
  for (const campaign of CAMPAIGNS.filter((c) => !args.only || c.name === args.only)) {
    const t0 = Date.now();
    let last = 0;
    const progress = (text: string): void => {
      const line = `  ${campaign.name}: ${text} (${((Date.now() - t0) / 1000).toFixed(0)} s)`;
      if (tty) process.stdout.write(`\r\x1b[K${line}`);
      else if (Date.now() - last > 10_000) {
        last = Date.now();
        console.log(line);
      }
    };
    progress('starting');
    try {
      const figures = await campaign.run({ quick: args.quick, seed: args.seed, only: args.caseId, progress });
      if (tty) process.stdout.write('\r\x1b[K');
      console.log(`  ${campaign.name}: passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      for (const figure of figures) rows.push({ campaign: campaign.name, figure });
    } catch (error) {
      if (tty) process.stdout.write('\r\x1b[K');
      failed++;
      const caseId = error instanceof TortureFailure ? error.caseId : undefined;
      console.log(`  ${campaign.name}: FAILED (seed ${args.seed}${caseId ? `, case ${caseId}` : ''})`);
      console.log(`    ${error instanceof Error ? (error instanceof TortureFailure ? error.message : error.stack) : String(error)}`);
      console.log(`    reproduce: ${reproducer(campaign.name, args.seed, args.quick, caseId)}`);
    }
  }
  const width = Math.max(...rows.map((r) => r.campaign.length + r.figure.what.length + 3), 10);
  console.log(`\n${'figure'.padEnd(width)}  value`);
  for (const { campaign, figure } of rows) console.log(`${`${campaign} · ${figure.what}`.padEnd(width)}  ${figure.value}`);
  console.log(`\n${failed === 0 ? 'all campaigns passed' : `${failed} campaign(s) failed`} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
