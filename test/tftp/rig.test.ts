// The TFTP server on real interfaces: the native runtime with the full firmware in the namespace
// rig. An admin host uploads a phone image inside a window opened on the console (refused before
// the window and from another host); a phone namespace takes its lease with busybox udhcpc as a
// Yealink, then curl (512 and 1468-byte blocks), tftp-hpa, atftp (windowsize 8) and the `tftp` npm
// client each fetch the image byte-exact, the phone reads its rendered per-MAC config carrying its
// own port block, and path-traversal requests fail with a TFTP error while the router keeps serving.
// Last, a rate-limited qdisc on lan0 makes the port's queue overflow: no block is lost to it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE, RUNTIME_BINARY, Rig, must, namespacesUnavailable, seededImage, sha256, sha256Of, udhcpcLease, type ConsoleClient, type ExecResult, type Phone } from '../../tools/rig';

const why = namespacesUnavailable() ?? (!existsSync(RUNTIME_BINARY) || !existsSync(BUNDLE) ? 'no native runtime or bundle (bash hal/native/build.sh && npm run build)' : undefined);

const IMAGE_NAME = 'phone-fw.bin';
const IMAGE_BYTES = 3 * 1024 * 1024;
const ADMIN = '192.168.1.50';
const STRANGER = '192.168.1.51';
const TFTP_NPM = join(import.meta.dirname, '..', '..', 'node_modules', 'tftp');

const work = mkdtempSync(join(tmpdir(), 'pb-tftp-'));

/** Run a client in a namespace and time it. */
async function timed(host: Phone, argv: string[], timeoutMs = 20_000): Promise<ExecResult & { seconds: number }> {
  const start = process.hrtime.bigint();
  const result = await host.runAsync(argv, timeoutMs);
  return { ...result, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

const figures: string[] = [];
function report(client: string, bytes: number, seconds: number): void {
  figures.push(`${client.padEnd(44)} ${(bytes / 1048576).toFixed(1)} MiB in ${seconds.toFixed(2)} s = ${(bytes / 1048576 / seconds).toFixed(1)} MiB/s`);
}

/**
 * The `tftp` npm client, run by Node inside the phone's namespace; prints the transfer parameters it
 * ended up with ('stats': blockSize, windowSize) as `STATS <json>`.
 */
function npmClientScript(host: string, remote: string, local: string, options: Record<string, number>): string {
  return `
const fs = require('fs');
const tftp = require(${JSON.stringify(TFTP_NPM)});
const client = tftp.createClient(Object.assign({ host: ${JSON.stringify(host)} }, ${JSON.stringify(options)}));
const get = client.createGetStream(${JSON.stringify(remote)});
get.on('stats', (stats) => console.log('STATS ' + JSON.stringify(stats)));
get.on('error', (error) => { console.error('tftp npm: ' + (error.message || error)); process.exit(1); });
const file = fs.createWriteStream(${JSON.stringify(local)});
file.on('finish', () => process.exit(0));
get.pipe(file);`;
}

test('tftp server on the rig: console-window upload, image fetched byte-exact by curl, tftp-hpa, atftp and the npm client; per-MAC config; traversal refused', async () => {
  if (why) {
    console.log(`  skipped: ${why}`);
    return;
  }
  const started = Date.now();
  const image = seededImage(IMAGE_BYTES, 0x7f7b00d);
  const imageHash = sha256(image);
  const imageFile = join(work, 'upload.bin');
  writeFileSync(imageFile, image);

  const rig = await Rig.up({ firmware: 'full' });
  let term: ConsoleClient | undefined;
  try {
    term = rig.console();
    term.write('\r');
    await term.expect(/plugboard> $/, 15_000);
    await term.command('terminal length 0');
    const router = rig.lanAddress;

    // ---- 4. uploads: only the console-named host, only inside its window --------------------------
    const admin = rig.addPhone('admin', { address: `${ADMIN}/24` });
    const stranger = rig.addPhone('stranger', { address: `${STRANGER}/24` });
    const put = (host: Phone) => timed(host, ['tftp', '-m', 'binary', router, '-c', 'put', imageFile, IMAGE_NAME], 40_000);

    const closed = await put(admin);
    assert.match(closed.stdout + closed.stderr, /Error code 2: uploads are closed/, `no window, no upload: ${closed.stdout} ${closed.stderr}`);
    const opened = await term.command(`image upload ${ADMIN} ${IMAGE_NAME} 5`, /Upload window .*\r\n/);
    assert.match(opened, new RegExp(`Upload window open for ${ADMIN.replace(/\./g, '\\.')} for 5 min; the file is stored as ${IMAGE_NAME}`), term.transcript);
    const foreign = await put(stranger);
    assert.match(foreign.stdout + foreign.stderr, /Error code 2: uploads are closed/, `another host inside the window: ${foreign.stdout} ${foreign.stderr}`);
    const upload = await put(admin);
    assert.is(upload.status, 0, `tftp put: ${upload.stdout} ${upload.stderr}`);
    assert.not.match(upload.stdout + upload.stderr, /Error/i, upload.stdout + upload.stderr);
    report('upload: tftp-hpa put (512)', IMAGE_BYTES, upload.seconds);
    const list = await term.command('image list', /\d+ items, .* free\r\n/);
    assert.match(list, new RegExp(`${IMAGE_NAME.replace(/\./g, '\\.')} +${IMAGE_BYTES} +${imageHash.slice(0, 16)} `), `image list:\n${list}`);
    assert.match(list, /^1 items, /m, 'the refused attempts stored nothing');
    const info = await term.command(`image info ${IMAGE_NAME}`, /Boot file of .*\r\n/);
    assert.match(info, new RegExp(`SHA-256 +${imageHash}`), info);

    // The Yealink template names the phone's software; point it at the uploaded image.
    await term.command(`phone-class yealink var firmware ${IMAGE_NAME}`);

    // ---- the phone: a lease as a Yealink, with a port block ----------------------------------------
    const phone = rig.addPhone('yea');
    const lease = await udhcpcLease(phone, rig.dir, { vendorClass: 'yealink SIP-T46U' });
    assert.match(lease.ip, /^192\.168\.1\.1\d\d$/, `a phone address: ${[...lease.env].join(' ')}`);
    assert.ok(lease.block, `option 159 in the lease: '${lease.portParams}'`);
    assert.is(lease.tftpServer, router, 'option 66 names the router');
    const { first, last } = lease.block!;

    // ---- 1. the image, byte-exact, by each client ---------------------------------------------------
    const out = (name: string) => join(work, name);
    // The npm client sends its retransmission timer in milliseconds as the RFC 2349 timeout (seconds,
    // 1-255): the router declines that one option (options.test.ts) and grants blksize and windowsize.
    const downloads: { client: string; argv: string[]; file: string; expect?: RegExp }[] = [
      { client: 'curl (blksize 512)', argv: ['curl', '-sS', '--max-time', '30', '-o', out('curl512.bin'), `tftp://${router}/${IMAGE_NAME}`], file: out('curl512.bin') },
      { client: 'curl --tftp-blksize 1468', argv: ['curl', '-sS', '--max-time', '30', '--tftp-blksize', '1468', '-o', out('curl1468.bin'), `tftp://${router}/${IMAGE_NAME}`], file: out('curl1468.bin') },
      { client: 'tftp-hpa (512, lock-step)', argv: ['tftp', '-m', 'binary', router, '-c', 'get', IMAGE_NAME, out('hpa.bin')], file: out('hpa.bin') },
      {
        client: 'atftp windowsize 8, blksize 1468',
        argv: ['atftp', '--trace', '--option', 'windowsize 8', '--option', 'blksize 1468', '--get', '-r', IMAGE_NAME, '-l', out('atftp.bin'), router],
        file: out('atftp.bin'),
        expect: /received OACK <windowsize: 8, blksize: 1468/,
      },
      {
        client: 'tftp npm, defaults (timeout 3000)',
        argv: ['node', '-e', npmClientScript(router, IMAGE_NAME, out('npm.bin'), {})],
        file: out('npm.bin'),
        expect: /STATS \{"blockSize":1468,"windowSize":4/,
      },
      {
        client: 'tftp npm, timeout 255',
        argv: ['node', '-e', npmClientScript(router, IMAGE_NAME, out('npm255.bin'), { timeout: 255 })],
        file: out('npm255.bin'),
        expect: /STATS \{"blockSize":1468,"windowSize":4/,
      },
    ];
    for (const d of downloads) {
      const result = await timed(phone, d.argv, 30_000);
      assert.is(result.status, 0, `${d.client}: exit ${result.status}: ${result.stdout.slice(-500)} ${result.stderr.slice(-500)}`);
      assert.is(sha256Of(d.file), imageHash, `${d.client}: the image byte-exact`);
      if (d.expect) assert.match(result.stdout + result.stderr, d.expect, `${d.client} negotiated: ${(result.stdout + result.stderr).split('\n').filter((l) => /OACK|STATS/.test(l)).join(' ')}`);
      const acks = (result.stderr.match(/^sent ACK/gm) ?? []).length;
      report(acks > 0 ? `${d.client} (${acks} ACKs)` : d.client, IMAGE_BYTES, result.seconds);
    }

    // ---- 2. the phone's own rendered config, with its own port block ---------------------------------
    const plainMac = phone.mac.replace(/:/g, '');
    const cfgFile = out('phone.cfg');
    const cfg = await timed(phone, ['curl', '-sS', '--max-time', '10', '-o', cfgFile, `tftp://${router}/${plainMac}.cfg`]);
    assert.is(cfg.status, 0, `${plainMac}.cfg: ${cfg.stderr}`);
    const text = readFileSync(cfgFile, 'utf8');
    assert.match(text, new RegExp(`Rendered by Plugboard for ${plainMac} at ${lease.ip.replace(/\./g, '\\.')}: ports ${first}-${last} `), text);
    assert.match(text, new RegExp(`^sip\\.listen_port = ${first}$`, 'm'), text);
    assert.match(text, new RegExp(`^static\\.network\\.port\\.min_rtpport = ${first + 2 - (first % 2)}$`, 'm'), text);
    assert.match(text, new RegExp(`^static\\.network\\.port\\.max_rtpport = ${last}$`, 'm'), text);
    assert.match(text, new RegExp(`^static\\.firmware\\.url = tftp://${router.replace(/\./g, '\\.')}/${IMAGE_NAME.replace(/\./g, '\\.')}$`, 'm'), text);
    // Its boot file (option 67) renders too; another phone's file is not served to it.
    assert.ok(lease.bootFile, 'option 67 in the lease');
    const boot = await phone.runAsync(['tftp', '-m', 'binary', router, '-c', 'get', lease.bootFile!, out('boot.cfg')]);
    assert.ok(existsSync(out('boot.cfg')), `tftp-hpa get ${lease.bootFile}: ${boot.stdout} ${boot.stderr}`);
    assert.match(readFileSync(out('boot.cfg'), 'utf8'), new RegExp(`^sip\\.listen_port = ${first}$`, 'm'));
    const otherMac = await phone.runAsync(['curl', '-sS', '--max-time', '10', '-o', out('other.cfg'), `tftp://${router}/001565aabbcc.cfg`]);
    assert.is(otherMac.status, 69, `another MAC's config is not served to this phone (error 2): ${otherMac.stderr}`);

    // ---- 3. traversal: a TFTP error, and the router keeps serving -----------------------------------
    for (const name of ['../etc/passwd', '/../../etc/passwd']) {
      const hpa = await phone.runAsync(['tftp', '-m', 'binary', router, '-c', 'get', name, out('passwd')]);
      assert.match(hpa.stdout + hpa.stderr, /Error code 2: refused name \(dot-segment\)/, `tftp-hpa get ${name}: ${hpa.stdout} ${hpa.stderr}`);
      const curl = await phone.runAsync(['curl', '-sS', '--path-as-is', '--max-time', '10', '-o', out('passwd'), `tftp://${router}/${name}`]);
      // curl sends the URL path after its first '/' as the name. curl 7.88 prints a getpeername()
      // complaint for any TFTP error; its exit code names the error.
      assert.is(curl.status, 69, `curl ${name}: exit 69 is "permission problem on TFTP server" (error 2): ${curl.stderr}`);
    }
    assert.not.ok(existsSync(out('passwd')) && readFileSync(out('passwd'), 'utf8').includes('root:'), 'no passwd came back');
    const again = await timed(phone, ['curl', '-sS', '--max-time', '30', '--tftp-blksize', '1468', '-o', out('again.bin'), `tftp://${router}/${IMAGE_NAME}`], 30_000);
    assert.is(again.status, 0, again.stderr);
    assert.is(sha256Of(out('again.bin')), imageHash, 'still serving after the traversal attempts');

    // ---- 5. a slow LAN cable: the port's queue fills, and blocks wait instead of being lost ----------
    // A 10 Mbit/s token bucket on lan0 (slower than the router on any machine here) with room for
    // ~10 frames: atftp's 16-block windows overflow it, the kernel answers ENOBUFS, and the runtime
    // keeps those frames and refuses further sends until there is room (hal/native/src/ports.c).
    // Without that, every overflow cost a timeout and a resent window.
    const before = await term.command('show tftp', /retransmits \d+/);
    const retransmitsBefore = Number(/retransmits (\d+)/.exec(before)?.[1]);
    await term.expect(/plugboard[>#] $/);
    must(rig.routerNs, ['tc', 'qdisc', 'add', 'dev', 'lan0', 'root', 'tbf', 'rate', '10mbit', 'burst', '16kb', 'limit', '16kb']);
    try {
      const slow = await timed(phone, ['atftp', '--option', 'windowsize 16', '--option', 'blksize 1468', '--get', '-r', IMAGE_NAME, '-l', out('slow.bin'), router], 30_000);
      assert.is(slow.status, 0, `atftp over the slow cable: ${slow.stdout} ${slow.stderr}`);
      assert.is(sha256Of(out('slow.bin')), imageHash, 'byte-exact over the slow cable');
      report('atftp windowsize 16 over a 10 Mbit/s cable', IMAGE_BYTES, slow.seconds);
    } finally {
      must(rig.routerNs, ['tc', 'qdisc', 'del', 'dev', 'lan0', 'root']);
    }
    const after = await term.command('show tftp', /retransmits \d+/);
    await term.expect(/plugboard[>#] $/);
    assert.is(Number(/retransmits (\d+)/.exec(after)?.[1]), retransmitsBefore, `no window resent over the slow cable:\n${after}`);

    const tftpStatus = await term.command('show tftp', /Upload window [^\n]*\r\n[\s\S]*?plugboard[>#] $/);
    for (const line of figures) console.log(`  ${line}`);
    console.log(`  ${tftpStatus.split('\r\n').filter((l) => /^(Requests|Sent|Errors)/.test(l)).join('\n  ')}`);
    console.log(`  whole test ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    term?.close();
    await rig.down();
  }
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
