// NAPPT on real interfaces: the native runtime with the full firmware in the namespace rig. The
// router takes its WAN address from busybox udhcpd (our WAN DHCP client), a phone namespace gets a
// lease with a port block from our DHCP server (busybox udhcpc, vendor class "yealink", option 159),
// a guest namespace gets a plain lease. Real tools cross the router: iperf3, nc, curl against
// busybox httpd, ping, traceroute. tcpdump on the WAN host's veth records the whole test; every
// frame the router sent there must carry the public source address and correct checksums.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { BUNDLE, RUNTIME_BINARY, Rig, namespacesUnavailable, readPcap, udhcpcLease, type Phone } from '../../tools/rig';
import { checksumProblems } from './harness';

const why = namespacesUnavailable() ?? (!existsSync(RUNTIME_BINARY) || !existsSync(BUNDLE) ? 'no native runtime or bundle (bash hal/native/build.sh && npm run build)' : undefined);

/** iperf3 against the WAN host's server; returns the client endpoint the server saw. */
async function iperf(rig: Rig, phone: Phone, cport: number, udp: boolean): Promise<{ host: string; port: number; bytes: number }> {
  const server = rig.spawnIn(rig.wanNs, ['iperf3', '-s', '-1', '-J', '-B', rig.wanHostAddress, '-p', '5201']);
  let json = '';
  server.stdout?.setEncoding('utf8');
  server.stdout?.on('data', (text: string) => (json += text));
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const client = await phone.runAsync(['iperf3', '-c', rig.wanHostAddress, '-p', '5201', '--cport', String(cport), '-t', '1', ...(udp ? ['-u', '-b', '2M'] : []), '-J'], 20_000);
  assert.is(client.status, 0, `iperf3 client: ${client.stdout.slice(0, 400)} ${client.stderr}`);
  await exited;
  const report = JSON.parse(json) as { start: { connected: { remote_host: string; remote_port: number }[] }; end: { sum_received?: { bytes: number }; sum?: { bytes: number } } };
  const connected = report.start.connected[0];
  return { host: connected.remote_host, port: connected.remote_port, bytes: report.end.sum_received?.bytes ?? report.end.sum?.bytes ?? 0 };
}

/** Start `argv` (a listener) in `ns`, give it time to bind, and collect its stdout. */
async function listen(rig: Rig, ns: string, argv: string[]): Promise<{ child: ChildProcess; output: () => string }> {
  const child = rig.spawnIn(ns, argv);
  let out = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (text: string) => (out += text));
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { child, output: () => out };
}

test('phones, a guest and a WAN host through the native router (iperf3, nc, curl, ping, traceroute, capture)', async () => {
  if (why) {
    console.log(`  skipped: ${why}`);
    return;
  }
  const rig = await Rig.up({ firmware: 'full' });
  const pcapFile = join(rig.dir, 'wan.pcap');
  try {
    // The ISP: busybox udhcpd hands the router the rig's WAN address; the WAN host is its gateway.
    const conf = join(rig.dir, 'udhcpd.conf');
    writeFileSync(join(rig.dir, 'udhcpd.leases'), '');
    writeFileSync(conf, `start ${rig.wanAddress}\nend ${rig.wanAddress}\ninterface eth0\nlease_file ${join(rig.dir, 'udhcpd.leases')}\nopt subnet 255.255.255.0\nopt router ${rig.wanHostAddress}\nopt lease 600\n`);
    const capture = rig.spawnIn(rig.wanNs, ['tcpdump', '-i', 'eth0', '-n', '-U', '-s', '0', '-w', pcapFile]);
    rig.spawnIn(rig.wanNs, ['busybox', 'udhcpd', '-f', conf]);
    const www = join(rig.dir, 'www');
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, 'hello.txt'), 'plugboard says hello\n');
    rig.spawnIn(rig.wanNs, ['busybox', 'httpd', '-f', '-p', `${rig.wanHostAddress}:8080`, '-h', www]);
    let routerUp = false;
    for (let i = 0; i < 40 && !routerUp; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      routerUp = (await rig.wanAsync(['busybox', 'ping', '-c', '1', '-W', '1', rig.wanAddress])).status === 0;
    }
    assert.ok(routerUp, `the router took ${rig.wanAddress} from udhcpd and answers ping:\n${rig.routerLog.slice(-2000)}`);

    const phone = rig.addPhone('phone1');
    const guest = rig.addPhone('guest1');
    const phoneLease = await udhcpcLease(phone, rig.dir, { vendorClass: 'yealink' });
    const guestLease = await udhcpcLease(guest, rig.dir);
    assert.ok(phoneLease.block && phoneLease.portParams.length === 8, `the phone's lease carries option 159: '${phoneLease.portParams}'`);
    assert.is(guestLease.portParams, '', 'a guest gets no port block');
    const { first, last } = phoneLease.block!;
    assert.ok(first >= 16384 && last > first, `block ${first}-${last}`);

    // 1. UDP and TCP from ports inside the block: the WAN host sees the public address, same port.
    const udpOut = await iperf(rig, phone, first + 10, true);
    assert.equal({ host: udpOut.host, port: udpOut.port }, { host: rig.wanAddress, port: first + 10 });
    assert.ok(udpOut.bytes > 100_000, `UDP bytes received ${udpOut.bytes}`);
    const tcpOut = await iperf(rig, phone, first + 11, false);
    assert.equal({ host: tcpOut.host, port: tcpOut.port }, { host: rig.wanAddress, port: first + 11 });
    assert.ok(tcpOut.bytes > 1_000_000, `TCP bytes received ${tcpOut.bytes}`);

    // 2. WAN-initiated UDP and TCP to the public address and a block port reach the phone.
    const udpIn = await listen(rig, phone.ns, ['nc', '-u', '-l', '-W', '1', String(first + 20)]);
    await rig.wanAsync(['sh', '-c', `echo call-for-you | nc -u -w 1 ${rig.wanAddress} ${first + 20}`]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.match(udpIn.output(), /call-for-you/);
    const tcpIn = await listen(rig, phone.ns, ['nc', '-l', '-N', String(first + 21)]);
    const tcpInSend = await rig.wanAsync(['sh', '-c', `echo ring-ring | nc -N -w 2 ${rig.wanAddress} ${first + 21}`]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.match(tcpIn.output(), /ring-ring/, `nc to the phone: ${tcpInSend.stderr}`);

    // 3. A phone port outside its block is translated into the NAPT pool.
    const outside = await iperf(rig, phone, 40000, true);
    assert.is(outside.host, rig.wanAddress);
    assert.ok(outside.port !== 40000 && outside.port >= 4096 && outside.port <= 16383, `translated to ${outside.port}`);

    // 4. The guest browses the WAN host through ordinary NAPT.
    const page = await guest.runAsync(['curl', '-s', '--max-time', '5', `http://${rig.wanHostAddress}:8080/hello.txt`], 10_000);
    assert.is(page.stdout, 'plugboard says hello\n', page.stderr);

    // 5. ping and traceroute through the router.
    const ping = await phone.runAsync(['busybox', 'ping', '-c', '3', '-W', '2', rig.wanHostAddress], 15_000);
    assert.match(ping.stdout, /3 packets received/);
    const guestPing = await guest.runAsync(['busybox', 'ping', '-c', '2', '-W', '2', rig.wanHostAddress], 15_000);
    assert.match(guestPing.stdout, /2 packets received/);
    const trace = await phone.runAsync(['traceroute', '-n', '-q', '1', '-w', '2', '-m', '4', rig.wanHostAddress], 30_000);
    const hops = trace.stdout.split('\n').filter((line) => /^\s*\d+\s/.test(line));
    assert.match(hops[0] ?? '', new RegExp(`^\\s*1\\s+${rig.lanAddress.replace(/\./g, '\\.')}\\s`), `hop 1 is the router:\n${trace.stdout}`);
    assert.match(hops[1] ?? '', new RegExp(`^\\s*2\\s+${rig.wanHostAddress.replace(/\./g, '\\.')}\\s`), `hop 2 is the WAN host (its port-unreachable came back translated):\n${trace.stdout}`);

    // 6. The capture: nothing the router sent on WAN has a private source or a bad checksum.
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (capture.pid) process.kill(capture.pid, 'SIGINT');
    await new Promise<void>((resolve) => (capture.exitCode !== null ? resolve() : capture.once('exit', () => resolve())));
    const records = readPcap(new Uint8Array(readFileSync(pcapFile)));
    assert.ok(Array.isArray(records), `pcap readable: ${records}`);
    const routerMac = rig.routerMac('wan0').split(':').map((x) => parseInt(x, 16));
    let fromRouter = 0;
    const sources = new Set<string>();
    for (const record of records as { frame: Uint8Array }[]) {
      const f = record.frame;
      if (f.length < 34 || f[12] !== 0x08 || f[13] !== 0x00) continue;
      if (!routerMac.every((byte, i) => f[6 + i] === byte)) continue;
      fromRouter++;
      sources.add(`${f[26]}.${f[27]}.${f[28]}.${f[29]}`);
      const problems = checksumProblems(f);
      assert.equal(problems, [], `frame ${fromRouter} from the router: ${problems.join(', ')}`);
    }
    assert.ok(fromRouter > 1000, `${fromRouter} IPv4 frames from the router captured`);
    assert.equal([...sources].filter((s) => s !== '0.0.0.0'), [rig.wanAddress], 'the only source is the public address (0.0.0.0: the DHCP client before it had one)');
  } finally {
    await rig.down();
  }
});

test.run();
