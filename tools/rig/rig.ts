// The rig by hand: `tsx tools/rig/rig.ts up [--phones n] [--forwarding kernel|ports]` builds a rig
// whose router runs the full firmware (the product's console, DHCP, TFTP, NAT) and keeps running
// after this command exits; `status` lists rigs; `down [id]` removes the rigs made by hand (or the
// one named), and nothing else: namespaces of running tests are not its business.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rig, downFromState, type RigState } from './topology';
import { listNamespaces, namespacesUnavailable, STATE_ROOT } from './netns';
import { wanUp } from './wan';

async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? 'status';
  if (command === 'up') {
    const why = namespacesUnavailable();
    if (why) {
      console.error(`rig: ${why}`);
      return 1;
    }
    const phones = Number(option(argv, '--phones', '1'));
    const forwarding = option(argv, '--forwarding', 'kernel');
    if (!Number.isInteger(phones) || phones < 0 || phones > 50 || (forwarding !== 'kernel' && forwarding !== 'ports')) return usage();
    const rig = await Rig.up({ detached: true, firmware: 'full', forwarding });
    try {
      await wanUp(rig, forwarding);
    } catch (error) {
      downFromState(rig.dir);
      throw error;
    }
    for (let i = 0; i < phones; i++) rig.addPhone(`phone${i + 1}`);
    const state = rig.state();
    console.log(`rig ${rig.id} up (full firmware, ${forwarding === 'kernel' ? 'router mode: the kernel forwards' : 'ports mode: the firmware owns the ports'})`);
    console.log(`  router   ip netns exec ${rig.routerNs} ...   LAN ${rig.lanAddress}/${rig.lanPrefix}  WAN ${rig.wanAddress}/${rig.wanPrefix}${forwarding === 'ports' ? ' (by DHCP from the WAN host)' : ''}`);
    console.log(`  console  ${state.consolePath}   (e.g. socat -,raw,echo=0 ${state.consolePath}; log: ${rig.dir}/router.log)`);
    console.log(`  wan host ip netns exec ${rig.wanNs} ...   ${rig.wanHostAddress}`);
    for (const phone of rig.phones.values()) console.log(`  phone    ip netns exec ${phone.ns} ...   (${phone.mac}, no address: try busybox udhcpc -i eth0)`);
    console.log(`tear down: npx tsx tools/rig/rig.ts down ${rig.id}`);
    return 0;
  }
  if (command === 'down') {
    const named = argv[1];
    const made = existsSync(STATE_ROOT) ? readdirSync(STATE_ROOT).filter((d) => existsSync(join(STATE_ROOT, d, 'state.json'))) : [];
    if (named !== undefined && !made.includes(named)) {
      console.error(`rig: no rig made by hand called ${named} (rig.ts status lists them)`);
      return 1;
    }
    for (const dir of named === undefined ? made : [named]) {
      downFromState(join(STATE_ROOT, dir));
      console.log(`rig ${dir} down`);
    }
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
  return usage();
}

function option(argv: readonly string[], name: string, fallback: string): string {
  const at = argv.indexOf(name);
  return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1] : fallback;
}

function usage(): number {
  console.error('usage: tsx tools/rig/rig.ts up [--phones n] [--forwarding kernel|ports] | down [id] | status');
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
