import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARCHES, SELF_TEST, runSelfTest, runtimeCommand, writeSelfTestFixture, type Arch, type SelfTestResult } from '../../tools/rig/selftest';
import { BUNDLE } from '../../tools/rig';

// The same bundle on every router CPU: boot, a batch of frames through the stack, an ARP request
// and pings answered, from pcap fixtures (x86_64 natively, the others under qemu-user).
const repo = join(import.meta.dirname, '..', '..');
const PINGS = 16;

function unavailable(arch: Arch): string | undefined {
  if (!existsSync(BUNDLE)) return 'dist/plugboard.js missing (npm run build)';
  const command = runtimeCommand(arch);
  if (command.length > 1 && spawnSync('which', [command[0]]).status !== 0) return `${command[0]} not installed`;
  const build = spawnSync('bash', [join(repo, 'hal/native/build.sh'), '--arch', arch], { encoding: 'utf8', timeout: 300_000 });
  // build.sh skips (exit 0, no binary) only when the cross compiler is missing; a failed build fails the test.
  assert.is(build.status, 0, `building for ${arch} failed:\n${build.stderr}`);
  if (!existsSync(command[command.length - 1])) return `${arch} cross compiler not installed`;
  return undefined;
}

function checkPort(result: SelfTestResult, name: 'lan' | 'wan'): void {
  const side = SELF_TEST[name];
  const arp = result.arpReplies[name].find((reply) => reply.targetIp === side.hostIp);
  assert.ok(arp, `${name}: no ARP reply to ${side.hostIp}\n${result.stderr}`);
  assert.is(arp.senderIp, side.routerIp);
  assert.is(arp.senderMac, side.routerMac);
  assert.is(arp.targetMac, side.hostMac);
  const echoes = result.echoReplies[name];
  assert.is(echoes.length, PINGS, `${name}: ${echoes.length} echo replies\n${result.stderr}`);
  assert.equal(echoes.map((e) => e.seq).sort((a, b) => a - b), [...Array(PINGS).keys()]);
  for (const echo of echoes) {
    assert.ok(echo.checksumsOk, `${name}: reply ${echo.seq} has a bad checksum`);
    assert.is(echo.srcIp, side.routerIp);
    assert.is(echo.dstIp, side.hostIp);
    assert.is(echo.dstMac, side.hostMac);
    assert.is(echo.ident, 0x5042);
  }
}

function selfTest(arch: Arch, firmware: 'full' | 'bringup', ports: readonly ('lan' | 'wan')[]): void {
  const why = unavailable(arch);
  if (why) {
    console.log(`  skipped ${arch}: ${why}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), `pb-selftest-${arch}-`));
  try {
    writeSelfTestFixture(dir, PINGS);
    const result = runSelfTest(runtimeCommand(arch), dir, { firmware });
    assert.is(result.status, 0, result.stderr);
    for (const name of ports) checkPort(result, name);
    assert.match(result.stderr, new RegExp(`port lan: rx ${PINGS + 1} frames`));
    assert.match(result.stderr, /pcap replay done/, 'exited by the backstop, not after the replay');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const arch of ARCHES) {
  test(`self-test on ${arch}: the full firmware boots, answers ARP and a batch of ${PINGS} pings on the LAN, exits cleanly`, () => {
    selfTest(arch, 'full', ['lan']);
  });
}

test('self-test of the bring-up firmware (x86_64): ARP and pings answered on LAN and WAN', () => {
  selfTest('x86_64', 'bringup', ['lan', 'wan']);
});

test.run();
