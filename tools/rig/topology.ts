// The namespace rig: a router namespace running the native runtime on two veth ports (lan0, wan0)
// with no kernel IP configuration, a switch namespace (bridge br0) where phone namespaces plug in,
// and a WAN namespace standing in for the internet. Addresses exist only inside these namespaces.
//
//   phone ns (eth0) ─┐
//   phone ns (eth0) ─┼─ switch ns (br0) ── r-lan ═ lan0 [router ns: plugboard] wan0 ═ eth0 [wan ns]
//                    …
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConsoleClient } from './console';
import { cleanStale, deleteNamespace, must, run, runAsync, STATE_ROOT, type ExecResult } from './netns';

const REPO = join(import.meta.dirname, '..', '..');
export const RUNTIME_BINARY = join(REPO, 'hal/native/build/x86_64/plugboard');
export const INJECTOR_BINARY = join(REPO, 'hal/native/build/x86_64/pbinject');
export const BUNDLE = join(REPO, 'dist/plugboard.js');
export const HOST_BOARD = join(REPO, 'board/host.json');

export interface RigOptions {
  /** LAN side: router address and prefix. */
  readonly lanAddress?: string;
  readonly lanPrefix?: number;
  /** WAN side: router's public address, the internet host's address, prefix. */
  readonly wanAddress?: string;
  readonly wanHostAddress?: string;
  readonly wanPrefix?: number;
  /** Start the router at once (default true). */
  readonly startRouter?: boolean;
  /**
   * 'bringup' (default): the bring-up firmware (stack, addresses from the command line, a small
   * console); 'full': firmware/main.ts boot() with its saved or default configuration.
   */
  readonly firmware?: 'bringup' | 'full';
  /** Arguments for the firmware (after `--`); replaces what `firmware` implies. */
  readonly firmwareArgs?: readonly string[];
  /** Flash file (kept across router restarts); default <state dir>/flash.img, size from the board. */
  readonly flashFile?: string;
  /** Runtime binary and bundle (defaults: the x86_64 build and dist/plugboard.js). */
  readonly runtime?: readonly string[];
  readonly bundle?: string;
  readonly board?: string;
  /**
   * 'kernel': router mode. The rig gives lan0/wan0 their addresses and turns on forwarding in the
   * router namespace (netifd's job on OpenWrt); the runtime serves on kernel sockets and programs
   * nftables. 'ports' (default): the runtime owns the raw ports.
   */
  readonly forwarding?: 'kernel' | 'ports';
  /** Router survives this process (rig made by hand with `rig.ts up`). */
  readonly detached?: boolean;
}

export interface Phone {
  readonly name: string;
  readonly ns: string;
  readonly ifname: 'eth0';
  readonly mac: string;
  run(argv: readonly string[], timeoutMs?: number): ExecResult;
  runAsync(argv: readonly string[], timeoutMs?: number): Promise<ExecResult>;
  /** Start a long-running process in the phone (killed by PID at rig.down()). */
  spawn(argv: readonly string[]): ChildProcess;
}

export interface RigState {
  readonly id: string;
  readonly routerNs: string;
  readonly switchNs: string;
  readonly wanNs: string;
  readonly phones: string[];
  routerPid?: number;
  consolePath: string;
  /** Processes a rig made by hand started besides the router (killed by PID at `rig.ts down`). */
  helperPids?: number[];
}

let sequence = 0;

export class Rig {
  readonly id: string;
  readonly dir: string;
  readonly routerNs: string;
  readonly switchNs: string;
  readonly wanNs: string;
  readonly lanAddress: string;
  readonly lanPrefix: number;
  readonly wanAddress: string;
  readonly wanHostAddress: string;
  readonly wanPrefix: number;
  readonly flashFile: string;
  /** Symlink to the router's console pty while it runs. */
  readonly consolePath: string;
  readonly phones = new Map<string, Phone>();
  router: ChildProcess | undefined;
  /** Everything the runtime wrote to stderr (its log), for assertions and failure messages. */
  routerLog = '';
  routerExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  private readonly children: ChildProcess[] = [];
  private readonly helperPids: number[] = [];

  private constructor(private readonly options: RigOptions) {
    this.id = `pb-${process.pid}-${sequence++}`;
    this.dir = join(STATE_ROOT, this.id);
    this.routerNs = `${this.id}-router`;
    this.switchNs = `${this.id}-switch`;
    this.wanNs = `${this.id}-wan`;
    // The full firmware's default LAN address (firmware/config/schema.ts), so both modes agree.
    this.lanAddress = options.lanAddress ?? '192.168.1.1';
    this.lanPrefix = options.lanPrefix ?? 24;
    this.wanAddress = options.wanAddress ?? '198.51.100.1';
    this.wanHostAddress = options.wanHostAddress ?? '198.51.100.2';
    this.wanPrefix = options.wanPrefix ?? 24;
    this.flashFile = options.flashFile ?? join(this.dir, 'flash.img');
    this.consolePath = join(this.dir, 'console');
  }

  /** Build the namespaces (after removing stale rigs) and, unless told otherwise, start the router. */
  static async up(options: RigOptions = {}): Promise<Rig> {
    cleanStale();
    const rig = new Rig(options);
    mkdirSync(rig.dir, { recursive: true });
    writeFileSync(join(rig.dir, 'owner'), String(process.pid));
    try {
      rig.build();
      if (options.startRouter ?? true) await rig.startRouter();
    } catch (error) {
      await rig.down();
      throw error;
    }
    return rig;
  }

  private build(): void {
    for (const ns of [this.routerNs, this.switchNs, this.wanNs]) this.addNamespace(ns);
    must(this.switchNs, ['ip', 'link', 'add', 'br0', 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0', 'mcast_snooping', '0']);
    must(this.switchNs, ['ip', 'link', 'set', 'br0', 'up']);
    // Where br_netfilter is loaded (Docker hosts), a bridge checks IPv4 headers and drops bad ones,
    // so malformed frames would never reach the router. A switch forwards what it gets. These
    // sysctls are per namespace and absent when the module is not loaded, hence run, not must.
    for (const family of ['iptables', 'ip6tables', 'arptables']) run(this.switchNs, ['sysctl', '-qw', `net.bridge.bridge-nf-call-${family}=0`]);
    // Router LAN port <-> switch uplink.
    must(this.routerNs, ['ip', 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'r-lan', 'netns', this.switchNs]);
    must(this.switchNs, ['ip', 'link', 'set', 'r-lan', 'master', 'br0']);
    // Router WAN port <-> internet host.
    must(this.routerNs, ['ip', 'link', 'add', 'wan0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.wanNs]);
    this.offloadOff(this.routerNs, 'lan0');
    this.offloadOff(this.routerNs, 'wan0');
    this.offloadOff(this.switchNs, 'r-lan');
    this.offloadOff(this.wanNs, 'eth0');
    must(this.switchNs, ['ip', 'link', 'set', 'r-lan', 'up']);
    must(this.routerNs, ['ip', 'link', 'set', 'lan0', 'up']);
    must(this.routerNs, ['ip', 'link', 'set', 'wan0', 'up']);
    if (this.options.forwarding === 'kernel') {
      must(this.routerNs, ['ip', 'addr', 'add', `${this.lanAddress}/${this.lanPrefix}`, 'dev', 'lan0']);
      must(this.routerNs, ['ip', 'addr', 'add', `${this.wanAddress}/${this.wanPrefix}`, 'dev', 'wan0']);
      must(this.routerNs, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    }
    must(this.wanNs, ['ip', 'addr', 'add', `${this.wanHostAddress}/${this.wanPrefix}`, 'dev', 'eth0']);
    must(this.wanNs, ['ip', 'link', 'set', 'eth0', 'up']);
    this.saveState();
  }

  private addNamespace(ns: string): void {
    must(undefined, ['ip', 'netns', 'add', ns]);
    must(ns, ['ip', 'link', 'set', 'lo', 'up']);
    // No IPv6 chatter (router solicitations, MLD): the rig's traffic is exactly what tests send.
    run(ns, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
    run(ns, ['sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
  }

  /** veth leaves checksums partial unless TX offload is off (DESIGN.md, "veth checksum offload"). */
  private offloadOff(ns: string, ifname: string): void {
    must(ns, ['ethtool', '-K', ifname, 'tx', 'off'], 5000);
  }

  /** Plug a phone into the switch: a namespace with eth0 (optionally addressed) bridged to the LAN. */
  addPhone(name: string, options: { mac?: string; address?: string } = {}): Phone {
    if (!/^[a-z0-9]{1,12}$/.test(name)) throw new Error(`phone name '${name}': 1-12 of a-z 0-9`);
    if (this.phones.has(name)) throw new Error(`phone '${name}' exists`);
    const ns = `${this.id}-ph-${name}`;
    this.addNamespace(ns);
    const port = `p-${name}`;
    must(ns, ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', port, 'netns', this.switchNs]);
    if (options.mac) must(ns, ['ip', 'link', 'set', 'eth0', 'address', options.mac]);
    this.offloadOff(ns, 'eth0');
    this.offloadOff(this.switchNs, port);
    must(this.switchNs, ['ip', 'link', 'set', port, 'master', 'br0']);
    must(this.switchNs, ['ip', 'link', 'set', port, 'up']);
    if (options.address) must(ns, ['ip', 'addr', 'add', options.address, 'dev', 'eth0']);
    must(ns, ['ip', 'link', 'set', 'eth0', 'up']);
    const mac = must(ns, ['cat', '/sys/class/net/eth0/address']).trim();
    const rig = this;
    const phone: Phone = {
      name,
      ns,
      ifname: 'eth0',
      mac,
      run: (argv, timeoutMs) => run(ns, argv, timeoutMs),
      runAsync: (argv, timeoutMs) => runAsync(ns, argv, timeoutMs),
      spawn: (argv) => rig.spawnIn(ns, argv),
    };
    this.phones.set(name, phone);
    this.saveState();
    return phone;
  }

  /** Remove a phone (unplug it): its namespace and its switch port go away. */
  removePhone(name: string): void {
    const phone = this.phones.get(name);
    if (!phone) return;
    deleteNamespace(phone.ns);
    this.phones.delete(name);
    this.saveState();
  }

  /** Run in the internet host's namespace. */
  wan(argv: readonly string[], timeoutMs?: number): ExecResult {
    return run(this.wanNs, argv, timeoutMs);
  }

  wanAsync(argv: readonly string[], timeoutMs?: number): Promise<ExecResult> {
    return runAsync(this.wanNs, argv, timeoutMs);
  }

  /**
   * Start a long-running process in any rig namespace; the rig kills it (by PID) at down(). A rig
   * made by hand keeps it running after this process exits and records its PID for `rig.ts down`.
   */
  spawnIn(ns: string, argv: readonly string[]): ChildProcess {
    if (this.options.detached) {
      const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: 'ignore', detached: true });
      child.unref();
      if (child.pid) this.helperPids.push(child.pid);
      this.saveState();
      return child;
    }
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    return child;
  }

  /** The firmware's arguments: given ones, none for the full firmware, or bring-up with the rig's addresses. */
  firmwareArgs(): string[] {
    if (this.options.firmwareArgs) return this.options.firmwareArgs.slice();
    if (this.options.firmware === 'full') return [];
    return (
      [
        '--bringup',
        '--lan-address',
        `${this.lanAddress}/${this.lanPrefix}`,
        '--wan-address',
        `${this.wanAddress}/${this.wanPrefix}`,
      ]
    );
  }

  /** Start the runtime in the router namespace; resolves once its console pty is there. */
  async startRouter(extraRuntimeArgs: readonly string[] = []): Promise<void> {
    if (this.router) throw new Error('router already running');
    if (!existsSync(RUNTIME_BINARY)) throw new Error(`no runtime at ${RUNTIME_BINARY}: run bash hal/native/build.sh`);
    rmSync(this.consolePath, { force: true });
    const argv = [
      ...(this.options.runtime ?? [RUNTIME_BINARY]),
      '--board', this.options.board ?? HOST_BOARD,
      '--lan', 'lan0',
      '--wan', 'wan0',
      '--flash', this.flashFile,
      '--console', `pty:${this.consolePath}`,
      ...(this.options.forwarding === 'kernel' ? ['--forwarding', 'kernel'] : []),
      ...extraRuntimeArgs,
      this.options.bundle ?? BUNDLE,
      '--',
      ...this.firmwareArgs(),
    ];
    this.routerLog = '';
    const logFile = join(this.dir, 'router.log');
    let child: ChildProcess;
    if (this.options.detached) {
      const fd = openSync(logFile, 'a');
      child = spawn('ip', ['netns', 'exec', this.routerNs, ...argv], { stdio: ['ignore', fd, fd], detached: true });
      closeSync(fd);
      child.unref();
    } else {
      child = spawn('ip', ['netns', 'exec', this.routerNs, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (text: string) => {
        this.routerLog += text;
      });
    }
    this.router = child;
    this.routerExit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.saveState();
    if (this.options.detached) writeFileSync(join(this.dir, 'owner'), String(child.pid));
    const deadline = Date.now() + 10_000;
    while (!existsSync(this.consolePath)) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`router exited (${child.exitCode ?? child.signalCode}) before its console appeared:\n${this.routerLog}`);
      }
      if (Date.now() > deadline) throw new Error(`router console did not appear within 10 s:\n${this.routerLog}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stop the router with `signal` and wait for it (SIGKILL after `timeoutMs`). Returns how it ended. */
  async stopRouter(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.router;
    if (!child || !this.routerExit) return { code: null, signal: null };
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, signal);
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
        resolve();
      }, timeoutMs);
    });
    await Promise.race([this.routerExit, killed]);
    const result = await this.routerExit;
    clearTimeout(timer);
    this.router = undefined;
    return result;
  }

  /** Open the router's console (close it when done). */
  console(): ConsoleClient {
    return new ConsoleClient(this.consolePath);
  }

  /** The router's MAC on a port, as its namespace's interface reports it. */
  routerMac(port: 'lan0' | 'wan0'): string {
    return must(this.routerNs, ['cat', `/sys/class/net/${port}/address`]).trim();
  }

  state(): RigState {
    return {
      id: this.id,
      routerNs: this.routerNs,
      switchNs: this.switchNs,
      wanNs: this.wanNs,
      phones: [...this.phones.values()].map((p) => p.ns),
      routerPid: this.router?.pid,
      consolePath: this.consolePath,
      helperPids: this.helperPids.slice(),
    };
  }

  private saveState(): void {
    writeFileSync(join(this.dir, 'state.json'), JSON.stringify(this.state(), null, 2));
  }

  /** Stop everything the rig started (by PID) and delete its namespaces and state. */
  async down(): Promise<void> {
    if (this.router) await this.stopRouter('SIGTERM', 5000);
    for (const child of this.children) {
      if (child.pid && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    for (const phone of this.phones.values()) deleteNamespace(phone.ns);
    this.phones.clear();
    for (const ns of [this.routerNs, this.switchNs, this.wanNs]) deleteNamespace(ns);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Tear down a rig made by hand (`rig.ts up`) from its saved state. */
export function downFromState(dir: string): void {
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as RigState;
  for (const pid of [state.routerPid, ...(state.helperPids ?? [])]) {
    if (pid === undefined) continue;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  for (const ns of [...state.phones, state.routerNs, state.switchNs, state.wanNs]) deleteNamespace(ns);
  rmSync(dir, { recursive: true, force: true });
}
