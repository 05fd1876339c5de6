// The rig by hand: `tsx tools/rig/rig.ts up [--phones n]` builds a rig whose router keeps running
// after this command exits; `status` lists rigs; `down` removes every rig made by hand.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rig, downFromState, type RigState } from './topology';
import { cleanStale, listNamespaces, namespacesUnavailable, STATE_ROOT } from './netns';

async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? 'status';
  if (command === 'up') {
    const why = namespacesUnavailable();
    if (why) {
      console.error(`rig: ${why}`);
      return 1;
    }
    const phonesAt = argv.indexOf('--phones');
    const phones = phonesAt >= 0 ? Number(argv[phonesAt + 1]) : 1;
    const rig = await Rig.up({ detached: true });
    for (let i = 0; i < phones; i++) rig.addPhone(`phone${i + 1}`);
    const state = rig.state();
    console.log(`rig ${rig.id} up`);
    console.log(`  router   ip netns exec ${rig.routerNs} ...   LAN ${rig.lanAddress}/${rig.lanPrefix}  WAN ${rig.wanAddress}/${rig.wanPrefix}`);
    console.log(`  console  ${state.consolePath}   (e.g. socat -,raw,echo=0 ${state.consolePath}; log: ${rig.dir}/router.log)`);
    console.log(`  wan host ip netns exec ${rig.wanNs} ...   ${rig.wanHostAddress}`);
    for (const phone of rig.phones.values()) console.log(`  phone    ip netns exec ${phone.ns} ...   (${phone.mac}, no address: try busybox udhcpc -i eth0)`);
    console.log(`tear down: tsx tools/rig/rig.ts down`);
    return 0;
  }
  if (command === 'down') {
    const dirs = existsSync(STATE_ROOT) ? readdirSync(STATE_ROOT).filter((d) => existsSync(join(STATE_ROOT, d, 'state.json'))) : [];
    for (const dir of dirs) {
      downFromState(join(STATE_ROOT, dir));
      console.log(`rig ${dir} down`);
    }
    const stale = cleanStale();
    if (stale.length > 0) console.log(`removed stale namespaces: ${stale.join(' ')}`);
    return 0;
  }
  if (command === 'status') {
    const dirs = existsSync(STATE_ROOT) ? readdirSync(STATE_ROOT) : [];
    for (const dir of dirs) {
      const file = join(STATE_ROOT, dir, 'state.json');
      if (!existsSync(file)) continue;
      const state = JSON.parse(readFileSync(file, 'utf8')) as RigState;
      console.log(`${state.id}: router pid ${state.routerPid ?? '-'}, console ${state.consolePath}, phones ${state.phones.length}`);
    }
    const names = listNamespaces().filter((ns) => ns.startsWith('pb-'));
    console.log(`namespaces: ${names.length === 0 ? '(none)' : names.join(' ')}`);
    return 0;
  }
  console.error('usage: tsx tools/rig/rig.ts up [--phones n] | down | status');
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
