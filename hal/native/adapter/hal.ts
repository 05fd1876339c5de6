// Builds the Hal of hal/hal.ts from the runtime's `plugboardNative` object and registers the
// handlers through which the runtime's event loop drives it.
import type { Console, Hal, Kernels, Port, PortName } from '../../hal';
import { addToMac, boardInfo, resolveFixedMac, validateBoard } from '../../../firmware/board';
import type { BoardSpec, MacSource } from '../../../firmware/board';
import { MissingFlash, NativeFlash } from './flash';
import type { NativeRuntime } from './native';
import { NativeKernelNet } from './net';
import { NativePortAdapter } from './ports';
import { TimerHeap } from './timers';

export interface NativeHal extends Hal {
  readonly board: ReturnType<typeof boardInfo>;
  readonly spec: BoardSpec;
  readonly ports: { readonly lan: NativePortAdapter; readonly wan: NativePortAdapter };
  /** Arguments after `--` on the runtime's command line. */
  readonly argv: readonly string[];
  /** Write a line to the runtime's log (stderr / syslog), not to the console. */
  log(text: string): void;
  memoryUsed(): number;
}

/** Parses and validates the board text; throws with every error so the runtime exits with them. */
export function parseBoardText(text: string): BoardSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`board file is not JSON: ${String(error)}`);
  }
  const result = validateBoard(value);
  if (!result.ok) throw new Error(`invalid board:\n  ${result.errors.join('\n  ')}`);
  return result.board;
}

/**
 * The port's MAC as the board says. Sources the runtime cannot read yet (mtd, uboot-env) fall back
 * to the interface's own MAC, which on OpenWrt is already set from those same places at boot.
 */
export function portMac(source: MacSource, interfaceMac: Uint8Array, log: (text: string) => void, port: string): Uint8Array {
  switch (source.source) {
    case 'fixed':
      return resolveFixedMac(source);
    case 'interface':
      return addToMac(interfaceMac, source.increment);
    default:
      log(`port ${port}: MAC source '${source.source}' is read by the kernel at boot; using the interface's MAC`);
      return addToMac(interfaceMac, 0);
  }
}

class NativeConsole implements Console {
  onInput?: (bytes: Uint8Array) => void;
  constructor(private readonly native: NativeRuntime) {}
  write(bytes: Uint8Array): void {
    this.native.consoleWrite(bytes);
  }
}

export function createNativeHal(native: NativeRuntime): NativeHal {
  const log = (text: string): void => native.log(text);
  const spec = parseBoardText(native.board);
  const descriptors = new Uint32Array(native.descriptors);
  const byIndex: NativePortAdapter[] = [];
  const make = (name: PortName): NativePortAdapter => {
    const raw = native.ports.find((port) => port.name === name);
    if (raw === undefined) throw new Error(`the runtime opened no ${name} port`);
    const mac = portMac(spec.ports[name].mac, new Uint8Array(raw.mac), log, name);
    const port = new NativePortAdapter(native, raw.index, name, mac, Math.min(raw.mtu, spec.ports[name].mtu), raw.memory);
    byIndex[raw.index] = port;
    return port;
  };
  const ports = { lan: make('lan'), wan: make('wan') };
  const flash = native.flash ? new NativeFlash(native, native.flash) : new MissingFlash();
  const console = new NativeConsole(native);
  const timers = new TimerHeap(
    () => native.now(),
    (at) => native.setWakeAt(at),
  );
  const net = kernelNet(native, spec, timers, log);

  native.attach({
    frames: (portIndex, count) => byIndex[portIndex]?.deliver(descriptors, count),
    timer: () => timers.runDue(),
    consoleInput: (bytes) => console.onInput?.(new Uint8Array(bytes)),
    flashDone: (id, code) => {
      if (flash instanceof NativeFlash) flash.complete(id, code);
    },
    linkChange: (portIndex, up) => (byIndex[portIndex] as Port | undefined)?.onLinkChange?.(up),
    udp: (id, length, from, fromPort, to) => net?.deliver(id, length, from, fromPort, to),
    addresses: () => net?.addressesChanged(),
    spawnDone: (id, code, stdout, stderr) => net?.childDone(id, code, stdout, stderr),
    echoReply: (seq, from) => net?.echoReply(seq, from),
  });

  return {
    // What the runtime opened: --forwarding overrides the board's mode, --console/--baud its console.
    board: { ...boardInfo(spec), forwarding: native.forwarding ?? spec.forwarding, console: native.console },
    spec,
    ports,
    flash,
    console,
    argv: native.argv,
    now: () => native.now(),
    wallClock: () => native.wallClock(),
    setTimer: (delayMs, callback) => timers.set(delayMs, callback),
    clearTimer: (id) => timers.clear(id),
    randomFill: (into) => native.randomFill(into),
    reboot: () => native.reboot(),
    kernels: nativeKernels(native),
    net,
    log,
    memoryUsed: () => native.memoryUsed(),
  };
}

/** The runtime's native byte loops as HAL kernels, when this runtime has them. */
function nativeKernels(native: NativeRuntime): Kernels | undefined {
  const { sumWords, crc32Update, sha256Blocks } = native;
  if (sumWords === undefined || crc32Update === undefined) return undefined;
  // C functions that ignore `this`: handed over as they are, no wrapper call per block.
  return { sumWords, crc32Update, sha256Blocks };
}

/**
 * Router mode's sockets and NAT, when the runtime opened the ports in kernel mode. The flowtable
 * lists the bridge's member ports, not the bridge (OpenWrt bug 9848: offload hooks physical devices).
 */
function kernelNet(native: NativeRuntime, spec: BoardSpec, timers: TimerHeap, log: (text: string) => void): NativeKernelNet | undefined {
  if (native.net === undefined) return undefined;
  const port = (name: PortName) => {
    const raw = native.ports.find((p) => p.name === name);
    if (raw === undefined) throw new Error(`the runtime opened no ${name} port`);
    return raw;
  };
  const lan = port('lan');
  const wan = port('wan');
  const lanDevices = lan.interface.startsWith('br-') ? spec.ports.lan.interfaces : [lan.interface];
  return new NativeKernelNet({
    net: native.net,
    portIndex: { lan: lan.index, wan: wan.index },
    interfaces: { lan: lan.interface, wan: wan.interface },
    flowDevices: [...lanDevices, wan.interface],
    now: () => native.now(),
    setTimer: (delayMs, callback) => timers.set(delayMs, callback),
    clearTimer: (id) => timers.clear(id),
    log,
  });
}
