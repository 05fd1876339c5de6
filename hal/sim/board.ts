// The simulated board: a Hal (hal/hal.ts) over the virtual scheduler, with ports on virtual links,
// the simulated console and flash. Power can be cut at any instant: every timer and callback of the
// old firmware instance goes dead (a generation counter guards them), the flash keeps its bytes,
// and a new firmware instance boots on the same board.
import type { BoardInfo, Console, Hal, Port, PortName, TimerId } from '../hal';
import { PORT_NAMES } from '../hal';
import type { BoardSpec } from '../../firmware/board';
import { addToMac, boardInfo, parseBoardOrThrow, resolveFixedMac } from '../../firmware/board';
import { Scheduler } from './scheduler';
import { Rng } from './random';
import { SimFlash } from './flash';
import { SimConsole } from './console';
import type { FrameReceiver, LinkEnd, Pluggable } from './link';

export interface SimBoardOptions {
  readonly seed: number;
  /** A board JSON value (validated here) or an already validated BoardSpec. */
  readonly board: unknown;
  /** Shared with the rest of the simulated world; a new one when omitted. */
  readonly scheduler?: Scheduler;
  /** Defaults to a SimFlash with the board's flash geometry. */
  readonly flash?: SimFlash;
  /** Wall clock at scheduler time 0 (ms since the epoch); `null` = the board has no wall clock. */
  readonly wallClockAtStart?: number | null;
  /** Frames a port holds between arrival and the firmware's batch (more are dropped, counted). */
  readonly rxQueueFrames?: number;
  /** Time between power off and power on when the firmware calls reboot(). */
  readonly rebootDelayMs?: number;
  /**
   * Overwrite every received frame with 0xa5 after its batch, as the native runtime reuses its
   * receive ring: firmware that keeps a view past onFrame then sees garbage instead of passing by luck.
   */
  readonly scribbleReceivedFrames?: boolean;
}

export interface SimPortStats {
  received: number;
  sent: number;
  /** Arrived while no firmware was running or with the receive queue full. */
  rxDropped: number;
  /** Sent with no cable, or not a valid Ethernet size. */
  txDropped: number;
  batches: number;
}

/** 2026-01-01T00:00:00Z: a fixed default so runs are reproducible. */
const DEFAULT_WALL_CLOCK = 1767225600000;

/** The physical port: the socket a cable plugs into. The firmware sees a fresh Port per boot. */
export class SimPort implements Pluggable, FrameReceiver {
  readonly stats: SimPortStats = { received: 0, sent: 0, rxDropped: 0, txDropped: 0, batches: 0 };
  private end: LinkEnd | undefined;
  private current: (Port & { generation: number }) | undefined;
  private rxQueue: Uint8Array[] = [];
  private drainScheduled = false;

  constructor(
    readonly name: PortName,
    readonly mac: Uint8Array,
    readonly mtu: number,
    private readonly board: SimBoard<unknown>,
    private readonly rxQueueFrames: number,
    private readonly scribble: boolean,
  ) {}

  plug(end: LinkEnd): void {
    this.end = end;
    end.connect(this);
    this.notifyLink(true);
  }

  unplug(): void {
    this.end?.connect(undefined);
    this.end = undefined;
    this.notifyLink(false);
  }

  linkUp(): boolean {
    return this.end !== undefined;
  }

  receiveFrame(frame: Uint8Array): void {
    if (!this.current || this.rxQueue.length >= this.rxQueueFrames) {
      this.stats.rxDropped++;
      return;
    }
    this.rxQueue.push(frame);
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    // Frames that arrive at the same instant form one batch, as a receive ring would hand them over.
    const port = this.current;
    this.board.scheduler.after(0, () => this.drain(port));
  }

  /** The firmware-facing Port for one boot. */
  attach(generation: number): Port {
    const physical = this;
    const port: Port & { generation: number } = {
      name: this.name,
      mac: this.mac.slice(),
      mtu: this.mtu,
      generation,
      linkUp: () => physical.linkUp(),
      send: (frame: Uint8Array) => (physical.current === port ? physical.transmit(frame) : false),
      onFrame: undefined,
      onBatchEnd: undefined,
      onLinkChange: undefined,
    };
    this.current = port;
    this.rxQueue = [];
    return port;
  }

  detach(): void {
    this.current = undefined;
    this.rxQueue = [];
  }

  private transmit(frame: Uint8Array): boolean {
    // 802.1Q frames may carry 4 bytes more than mtu + 14.
    if (!this.end || frame.length < 14 || frame.length > this.mtu + 18) {
      this.stats.txDropped++;
      return false;
    }
    this.stats.sent++;
    return this.end.send(frame);
  }

  private drain(port: Port & { generation: number }): void {
    this.drainScheduled = false;
    if (port !== this.current) return;
    const batch = this.rxQueue;
    this.rxQueue = [];
    this.stats.batches++;
    for (const frame of batch) {
      if (port !== this.current) return; // the firmware rebooted itself mid-batch
      this.stats.received++;
      port.onFrame?.(frame);
    }
    if (port === this.current) port.onBatchEnd?.();
    if (this.scribble) for (const frame of batch) frame.fill(0xa5);
  }

  private notifyLink(up: boolean): void {
    const port = this.current;
    if (!port) return;
    this.board.scheduler.after(0, () => {
      if (port === this.current) port.onLinkChange?.(up);
    });
  }
}

/** Boots firmware instances of type F on one simulated board. */
export class SimBoard<F = unknown> {
  readonly scheduler: Scheduler;
  readonly rng: Rng;
  readonly spec: BoardSpec;
  readonly info: BoardInfo;
  readonly console: SimConsole;
  readonly ports: { readonly lan: SimPort; readonly wan: SimPort };
  /** Called after every boot (first and after each reboot) with the new instance. */
  onBoot: ((firmware: F, hal: Hal) => void) | undefined;
  private flashNow: SimFlash;
  private generation = 0;
  private powered = false;
  private bootedAt = 0;
  private boots = 0;
  private firmware: F | undefined;
  private halNow: Hal | undefined;
  private factory: ((hal: Hal) => F) | undefined;
  private readonly liveTimers = new Set<TimerId>();
  private readonly randomSource: Rng;
  private readonly wallClockAtStart: number | null;
  private readonly rebootDelayMs: number;

  constructor(options: SimBoardOptions) {
    this.scheduler = options.scheduler ?? new Scheduler();
    this.rng = new Rng(options.seed);
    // A BoardSpec validates as itself, so both raw JSON and a spec go through the same check.
    this.spec = parseBoardOrThrow(options.board);
    this.info = boardInfo(this.spec);
    this.console = new SimConsole(this.scheduler, { baud: this.spec.console.baud });
    const rxQueueFrames = options.rxQueueFrames ?? 512;
    const scribble = options.scribbleReceivedFrames ?? false;
    const macs = { lan: simMac(this.spec, 'lan', options.seed), wan: simMac(this.spec, 'wan', options.seed) };
    this.ports = {
      lan: new SimPort('lan', macs.lan, this.spec.ports.lan.mtu, this as SimBoard<unknown>, rxQueueFrames, scribble),
      wan: new SimPort('wan', macs.wan, this.spec.ports.wan.mtu, this as SimBoard<unknown>, rxQueueFrames, scribble),
    };
    const flashSpec = this.spec.flash;
    this.flashNow =
      options.flash ??
      new SimFlash(this.scheduler, this.rng.fork(), {
        kind: flashSpec.kind,
        size: flashSpec.size,
        blockSize: flashSpec.blockSize,
        programUnit: flashSpec.programUnit,
        factoryBadBlocks: flashSpec.factoryBadBlocks,
      });
    this.randomSource = this.rng.fork();
    this.wallClockAtStart = options.wallClockAtStart === undefined ? DEFAULT_WALL_CLOCK : options.wallClockAtStart;
    this.rebootDelayMs = options.rebootDelayMs ?? 50;
  }

  /** Power on with this firmware; it is booted again with the same factory after every reboot. */
  start(factory: (hal: Hal) => F): F {
    this.factory = factory;
    return this.powerOn();
  }

  /** Boot a new firmware instance (after a cut). */
  powerOn(): F {
    if (!this.factory) throw new Error('SimBoard.powerOn before start(factory)');
    if (this.powered) throw new Error('SimBoard.powerOn while already powered');
    this.powered = true;
    this.generation++;
    this.boots++;
    this.bootedAt = this.scheduler.now();
    const hal = this.buildHal(this.generation);
    this.halNow = hal;
    const firmware = this.factory(hal);
    this.firmware = firmware;
    this.onBoot?.(firmware, hal);
    return firmware;
  }

  /**
   * Cut the power now: the firmware instance is gone (its timers, frame handlers, console and
   * flash operations never call back again); the flash keeps what reached it (an operation in
   * progress is torn as SimFlash models it).
   */
  powerCut(): void {
    if (!this.powered) return;
    this.powered = false;
    this.generation++;
    for (const id of this.liveTimers) this.scheduler.cancel(id);
    this.liveTimers.clear();
    this.ports.lan.detach();
    this.ports.wan.detach();
    this.console.detach();
    const old = this.flashNow;
    old.onPowerCut = undefined;
    old.cutNow();
    this.flashNow = old.afterPowerCut();
    this.firmware = undefined;
    this.halNow = undefined;
  }

  /** Cut now and power on again `offMs` later (through the scheduler). */
  powerCycle(offMs = this.rebootDelayMs): void {
    this.powerCut();
    const generation = this.generation;
    this.scheduler.after(offMs, () => {
      if (this.generation === generation && !this.powered) this.powerOn();
    });
  }

  isPowered(): boolean {
    return this.powered;
  }

  /** The running firmware instance, if powered. */
  current(): F | undefined {
    return this.firmware;
  }

  hal(): Hal | undefined {
    return this.halNow;
  }

  /** The flash the running (or next) instance uses. */
  flash(): SimFlash {
    return this.flashNow;
  }

  bootCount(): number {
    return this.boots;
  }

  /** Scheduler time of the current instance's boot (hal.now() counts from here). */
  bootTime(): number {
    return this.bootedAt;
  }

  private buildHal(generation: number): Hal {
    const scheduler = this.scheduler;
    const alive = (): boolean => this.generation === generation;
    const bootedAt = this.bootedAt;
    const flash = this.flashNow;
    // A cut armed inside the flash (cutAfter) takes the whole board down, as a real power loss does.
    flash.onPowerCut = () => {
      if (alive()) this.powerCut();
    };
    const console: Console = this.console.attach();
    const ports = { lan: this.ports.lan.attach(generation), wan: this.ports.wan.attach(generation) };
    const wallClockAtStart = this.wallClockAtStart;
    return {
      board: this.info,
      ports,
      flash,
      console,
      now: () => scheduler.now() - bootedAt,
      wallClock: () => (wallClockAtStart === null ? undefined : wallClockAtStart + scheduler.now()),
      setTimer: (delayMs: number, callback: () => void): TimerId => {
        if (!alive()) return -1;
        if (!(delayMs >= 0)) delayMs = 0; // NaN and negatives run as soon as possible
        const id = scheduler.after(delayMs, () => {
          this.liveTimers.delete(id);
          if (alive()) callback();
        });
        this.liveTimers.add(id);
        return id;
      },
      clearTimer: (id: TimerId): void => {
        // Only our own timers: a stale or foreign id must not cancel a link's or another board's event.
        if (alive() && this.liveTimers.delete(id)) scheduler.cancel(id);
      },
      randomFill: (into: Uint8Array): void => this.randomSource.fill(into),
      reboot: (): void => {
        scheduler.after(0, () => {
          if (alive()) this.powerCycle();
        });
      },
    };
  }
}

/** Fixed MACs come from the board; any other source gets a seeded locally administered MAC. */
function simMac(board: BoardSpec, name: PortName, seed: number): Uint8Array {
  const source = board.ports[name].mac;
  if (source.source === 'fixed') return resolveFixedMac(source);
  const rng = new Rng(seed ^ 0x5eed);
  const mac = new Uint8Array(6);
  rng.fill(mac);
  mac[0] = (mac[0] & 0xfc) | 0x02;
  return addToMac(mac, PORT_NAMES.indexOf(name) + source.increment);
}
