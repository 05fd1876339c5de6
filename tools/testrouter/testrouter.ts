// A test router on this machine: network namespaces wired like an x86-64 OpenWrt box with its
// LAN switch, the owner's PC, phones and a WAN host, and an OpenWrt 24.10-like root (a small tmpfs,
// the "overlay") where Debian's dropbear serves SSH from a chroot. The root carries BusyBox and
// the stand-ins in root/ (uci, procd's init API, opkg); see README.md.
//
//   phone ns (eth0) ─┐
//   pc ns (eth0) ────┼─ lan ns (br0) ── eth0 [router ns: br-lan 192.168.1.1, dropbear] eth1 ── eth0 [wan ns]
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { must, run, runAsync, type ExecResult } from '../rig/netns';
import type { Phone } from '../rig/topology';

export const TESTROUTER_ROOT = '/tmp/pb-testrouter';
const SOURCE_ROOT = join(import.meta.dirname, 'root');
/** Test router ids are `pbf-<owner pid>-<n>`; namespaces `<id>-<role>`. Nothing else is touched. */
const ID_PATTERN = /^(pbf-(\d+)-\d+)-[a-z0-9]+$/;

export const LAN_ADDRESS = '192.168.1.1';
export const PC_ADDRESS = '192.168.1.250';
export const WAN_ADDRESS = '198.51.100.2';
export const WAN_HOST_ADDRESS = '198.51.100.1';

/** Host programs the root gets, with the shared libraries they load. */
const HOST_PROGRAMS = ['/usr/sbin/dropbear', '/usr/sbin/nft'];

export interface TestRouterOptions {
  /** Size of the root tmpfs (the router's overlay), MiB. */
  readonly overlayMiB?: number;
}

/** A host plugged into the test router: the same handle the namespace rig gives its phones. */
export type Host = Phone;

export type Snapshot = Map<string, string>;

let sequence = 0;

export class TestRouter {
  readonly id: string;
  readonly dir: string;
  readonly root: string;
  readonly routerNs: string;
  readonly lanNs: string;
  readonly wanNs: string;
  readonly pc: Host;
  /** Private key the PC logs in with, and a known_hosts file naming the router's host key. */
  readonly identity: string;
  readonly knownHosts: string;
  private readonly children: ChildProcess[] = [];
  private readonly mounts: string[] = [];
  private readonly namespaces: string[] = [];
  private dropbear: ChildProcess | undefined;
  private phoneCount = 0;

  private constructor(readonly options: TestRouterOptions) {
    this.id = `pbf-${process.pid}-${sequence++}`;
    this.dir = join(TESTROUTER_ROOT, this.id);
    this.root = join(this.dir, 'root');
    this.routerNs = `${this.id}-r`;
    this.lanNs = `${this.id}-lan`;
    this.wanNs = `${this.id}-wan`;
    this.identity = join(this.dir, 'id_ed25519');
    this.knownHosts = join(this.dir, 'known_hosts');
    this.pc = this.host('pc', `${this.id}-pc`);
  }

  /** Builds the router and starts dropbear; on any failure removes what it made and throws. */
  static async up(options: TestRouterOptions = {}): Promise<TestRouter> {
    cleanStale();
    const router = new TestRouter(options);
    try {
      router.buildRoot();
      router.wire();
      await router.startDropbear();
      return router;
    } catch (error) {
      router.down();
      throw error;
    }
  }

  private buildRoot(): void {
    mkdirSync(this.root, { recursive: true });
    must(undefined, ['mount', '-t', 'tmpfs', '-o', `size=${this.options.overlayMiB ?? 96}m,mode=0755`, 'pbf-overlay', this.root]);
    this.mounts.push(this.root);
    cpSync(SOURCE_ROOT, this.root, { recursive: true, verbatimSymlinks: true });
    for (const d of ['tmp', 'proc', 'dev', 'overlay', 'usr/bin', 'usr/sbin', 'etc/dropbear', 'root/.ssh', 'etc/plugboard-none']) mkdirSync(join(this.root, d), { recursive: true });
    rmSync(join(this.root, 'etc/plugboard-none'), { recursive: true });
    symlinkSync('/tmp', join(this.root, 'var'));
    // /tmp is RAM on OpenWrt, not the overlay: its own tmpfs here too.
    must(undefined, ['mount', '-t', 'tmpfs', '-o', 'size=64m,mode=1777', 'pbf-tmp', join(this.root, 'tmp')]);
    this.mounts.push(join(this.root, 'tmp'));
    for (const d of ['log', 'run', 'lock', 'state']) mkdirSync(join(this.root, 'tmp', d));
    must(undefined, ['mount', '-t', 'proc', 'proc', join(this.root, 'proc')]);
    this.mounts.push(join(this.root, 'proc'));
    for (const [name, major, minor] of [['null', 1, 3], ['zero', 1, 5], ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0]] as const) {
      must(undefined, ['mknod', '-m', '666', join(this.root, 'dev', name), 'c', String(major), String(minor)]);
    }
    symlinkSync('/proc/self/fd', join(this.root, 'dev/fd'));
    // Its own pty instance (the runtime's console is a pty), as OpenWrt mounts devpts.
    mkdirSync(join(this.root, 'dev/pts'));
    must(undefined, ['mount', '-t', 'devpts', '-o', 'newinstance,ptmxmode=0666,mode=0620', 'devpts', join(this.root, 'dev/pts')]);
    this.mounts.push(join(this.root, 'dev/pts'));
    symlinkSync('pts/ptmx', join(this.root, 'dev/ptmx'));
    // BusyBox userland: every applet the stand-ins do not replace.
    this.copyWithLibraries('/bin/busybox', '/bin/busybox');
    const applets = must(undefined, ['/bin/busybox', '--list']).split('\n').filter((a) => a !== '' && a !== 'busybox');
    for (const applet of applets) {
      const taken = ['bin', 'sbin', 'usr/bin', 'usr/sbin'].some((d) => existsSync(join(this.root, d, applet)));
      if (!taken) symlinkSync('busybox', join(this.root, 'bin', applet));
    }
    for (const program of HOST_PROGRAMS) this.copyWithLibraries(program, program);
    writeFileSync(join(this.root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/ash\ndaemon:*:1:1:daemon:/var:/bin/false\n');
    writeFileSync(join(this.root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\ndaemon:*:0:0:99999:7:::\n');
    chmodSync(join(this.root, 'etc/shadow'), 0o600);
    writeFileSync(join(this.root, 'etc/group'), 'root:x:0:\ndaemon:x:1:\n');
    writeFileSync(join(this.root, 'etc/shells'), '/bin/ash\n/bin/sh\n');
    writeFileSync(join(this.root, 'etc/hostname'), 'OpenWrt\n');
    must(undefined, ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'plugboard-test', '-f', this.identity]);
    const publicKey = readFileSync(`${this.identity}.pub`, 'utf8');
    writeFileSync(join(this.root, 'root/.ssh/authorized_keys'), publicKey);
    writeFileSync(join(this.root, 'etc/dropbear/authorized_keys'), publicKey);
    chmodSync(join(this.root, 'root/.ssh'), 0o700);
    const hostKey = join(this.root, 'etc/dropbear/dropbear_ed25519_host_key');
    must(undefined, ['dropbearkey', '-t', 'ed25519', '-f', hostKey]);
    const hostPublic = must(undefined, ['dropbearkey', '-y', '-f', hostKey]).split('\n').find((l) => l.startsWith('ssh-ed25519'));
    if (!hostPublic) throw new Error('testrouter: dropbearkey printed no public key');
    writeFileSync(this.knownHosts, `${LAN_ADDRESS} ${hostPublic.split(' ').slice(0, 2).join(' ')}\n`);
  }

  /** Copies a host binary into the root with every shared library ldd names (and the loader). */
  private copyWithLibraries(source: string, target: string): void {
    this.copyFile(source, target);
    const ldd = run(undefined, ['ldd', source]);
    for (const match of ldd.stdout.matchAll(/(\/[^\s]+\.so[^\s]*)/g)) this.copyFile(match[1], match[1]);
  }

  private copyFile(source: string, target: string): void {
    const destination = join(this.root, target);
    if (existsSync(destination)) return;
    mkdirSync(dirname(destination), { recursive: true });
    cpSync(source, destination, { dereference: true });
  }

  private wire(): void {
    for (const ns of [this.routerNs, this.lanNs, this.wanNs, this.pc.ns]) {
      must(undefined, ['ip', 'netns', 'add', ns]);
      this.namespaces.push(ns);
      must(ns, ['sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
      must(ns, ['ip', 'link', 'set', 'lo', 'up']);
    }
    must(this.lanNs, ['ip', 'link', 'add', 'br0', 'type', 'bridge']);
    must(this.lanNs, ['ip', 'link', 'set', 'br0', 'up']);
    // The x86-64 board: eth0 is the LAN port (a member of br-lan, as netifd makes it), eth1 the WAN.
    this.veth(this.routerNs, 'eth0', this.lanNs, 'r-lan');
    must(this.lanNs, ['ip', 'link', 'set', 'r-lan', 'master', 'br0', 'up']);
    this.veth(this.routerNs, 'eth1', this.wanNs, 'eth0');
    must(this.routerNs, ['ip', 'link', 'add', 'br-lan', 'type', 'bridge']);
    must(this.routerNs, ['ip', 'link', 'set', 'eth0', 'master', 'br-lan', 'up']);
    must(this.routerNs, ['ip', 'link', 'set', 'br-lan', 'up']);
    must(this.routerNs, ['ip', 'addr', 'add', `${LAN_ADDRESS}/24`, 'dev', 'br-lan']);
    must(this.routerNs, ['ip', 'link', 'set', 'eth1', 'up']);
    must(this.routerNs, ['ip', 'addr', 'add', `${WAN_ADDRESS}/24`, 'dev', 'eth1']);
    must(this.routerNs, ['ip', 'route', 'add', 'default', 'via', WAN_HOST_ADDRESS]);
    must(this.routerNs, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    must(this.wanNs, ['ip', 'link', 'set', 'eth0', 'up']);
    must(this.wanNs, ['ip', 'addr', 'add', `${WAN_HOST_ADDRESS}/24`, 'dev', 'eth0']);
    this.plug(this.pc.ns);
    must(this.pc.ns, ['ip', 'addr', 'add', `${PC_ADDRESS}/24`, 'dev', 'eth0']);
  }

  private veth(nsA: string, nameA: string, nsB: string, nameB: string): void {
    const tmpA = `pbf${process.pid % 100000}a${sequence}`;
    const tmpB = `pbf${process.pid % 100000}b${sequence}`;
    must(undefined, ['ip', 'link', 'add', tmpA, 'type', 'veth', 'peer', 'name', tmpB]);
    must(undefined, ['ip', 'link', 'set', tmpA, 'netns', nsA, 'name', nameA]);
    must(undefined, ['ip', 'link', 'set', tmpB, 'netns', nsB, 'name', nameB]);
    for (const [ns, name] of [[nsA, nameA], [nsB, nameB]]) run(ns, ['ethtool', '-K', name, 'tx', 'off']);
  }

  /** A namespace with eth0 plugged into the LAN switch. */
  private plug(ns: string): void {
    const port = `p-${ns.slice(ns.lastIndexOf('-') + 1)}`;
    this.veth(ns, 'eth0', this.lanNs, port);
    must(this.lanNs, ['ip', 'link', 'set', port, 'master', 'br0', 'up']);
    must(ns, ['ip', 'link', 'set', 'eth0', 'up']);
  }

  private host(name: string, ns: string): Host {
    const self = this;
    return {
      name,
      ns,
      ifname: 'eth0',
      get mac() { return must(ns, ['cat', '/sys/class/net/eth0/address']).trim(); },
      run: (argv, timeoutMs) => run(ns, argv, timeoutMs),
      runAsync: (argv, timeoutMs) => runAsync(ns, argv, timeoutMs),
      spawn: (argv) => self.spawnIn(ns, argv),
    };
  }

  /** A phone namespace plugged into the LAN switch, without an address (it asks DHCP). */
  addPhone(name = `ph${++this.phoneCount}`): Host {
    const ns = `${this.id}-${name}`;
    must(undefined, ['ip', 'netns', 'add', ns]);
    this.namespaces.push(ns);
    must(ns, ['sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    must(ns, ['ip', 'link', 'set', 'lo', 'up']);
    this.plug(ns);
    return this.host(name, ns);
  }

  /** Starts a process in a namespace; it is killed by PID at down(). */
  spawnIn(ns: string, argv: readonly string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.children.push(child);
    return child;
  }

  private async startDropbear(): Promise<void> {
    let log = '';
    const child = spawn('ip', ['netns', 'exec', this.routerNs, 'chroot', this.root, '/usr/sbin/dropbear', '-F', '-E', '-s', '-p', '22',
      '-r', '/etc/dropbear/dropbear_ed25519_host_key', '-P', '/var/run/dropbear.pid'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => (log = (log + text).slice(-4000)));
    this.dropbear = child;
    this.children.push(child);
    for (let i = 0; i < 50; i++) {
      if ((await this.ssh('true', 5000)).status === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`testrouter: dropbear does not answer: ${log}`);
  }

  /** The ssh command line the owner's PC uses for this router. */
  sshArgs(): string[] {
    return ['ssh', '-i', this.identity, '-o', `UserKnownHostsFile=${this.knownHosts}`, '-o', 'StrictHostKeyChecking=yes',
      '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR', `root@${LAN_ADDRESS}`];
  }

  /** Runs a shell command on the router over SSH, from the PC. */
  ssh(command: string, timeoutMs = 15_000): Promise<ExecResult> {
    return runAsync(this.pc.ns, [...this.sshArgs(), command], timeoutMs);
  }

  /** Runs a command on the WAN host; its output. */
  async wanHost(argv: readonly string[], timeoutMs = 10_000): Promise<string> {
    return (await runAsync(this.wanNs, argv, timeoutMs)).stdout;
  }

  /** PIDs of dropbear's per-connection children (what a cut SSH link ends). */
  sshSessions(): number[] {
    const main = this.dropbear?.pid;
    if (!main) return [];
    const descendants = (pid: number): number[] => {
      const found = run(undefined, ['pgrep', '-P', String(pid)]).stdout.split('\n').filter(Boolean).map(Number);
      return found.flatMap((p) => [p, ...descendants(p)]);
    };
    const comm = (pid: number): string => { try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; } };
    return descendants(main).filter((pid) => comm(pid) === 'dropbear');
  }

  /**
   * Every file, symlink and directory of the root (not /proc, /dev, /tmp) with its mode and
   * content hash or link target: two equal snapshots mean a byte-identical router.
   */
  snapshot(): Snapshot {
    const out: Snapshot = new Map();
    const walk = (rel: string): void => {
      const full = join(this.root, rel);
      const st = lstatSync(full);
      if (st.isSymbolicLink()) out.set(rel, `link ${readlinkSync(full)}`);
      else if (st.isDirectory()) {
        out.set(rel || '/', `dir ${(st.mode & 0o7777).toString(8)}`);
        for (const entry of readdirSync(full)) {
          const child = rel ? `${rel}/${entry}` : entry;
          if (!rel && ['proc', 'dev', 'tmp'].includes(entry)) continue;
          walk(child);
        }
      } else out.set(rel, `file ${(st.mode & 0o7777).toString(8)} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`);
    };
    walk('');
    return out;
  }

  /** Removes what up() made: processes it started (by PID), mounts, namespaces, the directory. */
  down(): void {
    for (const child of this.children.reverse()) {
      if (child.pid && child.exitCode === null && child.signalCode === null) {
        try { process.kill(child.pid, 'SIGKILL'); } catch { /* already gone */ }
      }
    }
    killInRoot(this.root);
    for (const mount of [...this.mounts].reverse()) run(undefined, ['umount', '-l', mount]);
    for (const ns of this.namespaces) run(undefined, ['ip', 'netns', 'del', ns]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Processes still running from the router's root (the service the test started over SSH, its
 * supervisor): found by their root directory, which only this test router's processes have.
 */
function killInRoot(root: string): void {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/root`) === root) process.kill(Number(entry), 'SIGKILL');
    } catch { /* gone or not ours to read */ }
  }
}

/** Removes test routers whose owning process is gone (a crashed run). */
export function cleanStale(): void {
  const owners = new Set<string>();
  for (const ns of run(undefined, ['ip', 'netns', 'list']).stdout.split('\n').map((l) => l.split(' ')[0])) {
    const match = ID_PATTERN.exec(ns);
    if (!match || existsSync(`/proc/${match[2]}`)) continue;
    run(undefined, ['ip', 'netns', 'del', ns]);
    owners.add(match[1]);
  }
  if (!existsSync(TESTROUTER_ROOT)) return;
  for (const id of readdirSync(TESTROUTER_ROOT)) {
    const match = /^pbf-(\d+)-\d+$/.exec(id);
    if (!match || existsSync(`/proc/${match[1]}`)) continue;
    const root = join(TESTROUTER_ROOT, id, 'root');
    killInRoot(root);
    for (const mount of ['dev/pts', 'proc', 'tmp', ''].map((m) => join(root, m))) run(undefined, ['umount', '-l', mount]);
    rmSync(join(TESTROUTER_ROOT, id), { recursive: true, force: true });
  }
}

/** Why the test router cannot run here (not root, no namespaces, no dropbear), or undefined. */
export function testRouterUnavailable(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (the test router needs namespaces, mounts and chroot)';
  for (const program of [...HOST_PROGRAMS, '/usr/bin/dropbearkey', '/usr/bin/ssh-keygen', '/usr/bin/ssh', '/bin/busybox']) {
    if (!existsSync(program)) return `${program} is missing (bash tools/setup.sh installs it)`;
  }
  return undefined;
}
