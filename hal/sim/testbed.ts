// A ready-made simulated site: one SimBoard, a LAN switch and a WAN switch with cables to the
// board's ports, and helpers to plug simulated hosts in. Tests and `npm start` build on it.
import type { Hal } from '../hal';
import { SimBoard } from './board';
import type { SimBoardOptions } from './board';
import { SimHost } from './host';
import type { SimHostOptions } from './host';
import { Link, connect } from './link';
import type { LinkConditions, Pluggable } from './link';
import { LearningSwitch } from './switch';
import { FrameLog } from './frame-log';
import simBoardJson from '../../board/sim.json';

export interface TestbedOptions extends Partial<SimBoardOptions> {
  readonly seed: number;
  /** Conditions of every cable the testbed lays (default: a perfect 50 us link). */
  readonly conditions?: Partial<LinkConditions>;
  /** Record every frame on every cable (for determinism checks and debugging). */
  readonly frameLog?: FrameLog | boolean;
}

export class Testbed<F = unknown> {
  readonly board: SimBoard<F>;
  readonly lanSwitch: LearningSwitch;
  readonly wanSwitch: LearningSwitch;
  readonly frameLog: FrameLog | undefined;
  readonly links: Link[] = [];
  readonly hosts: SimHost[] = [];
  private readonly conditions: Partial<LinkConditions> | undefined;

  constructor(options: TestbedOptions) {
    this.board = new SimBoard<F>({ ...options, board: options.board ?? simBoardJson });
    const scheduler = this.board.scheduler;
    this.conditions = options.conditions;
    this.frameLog = options.frameLog === true ? new FrameLog() : options.frameLog || undefined;
    this.lanSwitch = new LearningSwitch(scheduler, { name: 'lan-switch' });
    this.wanSwitch = new LearningSwitch(scheduler, { name: 'wan-switch' });
    this.cable(this.lanSwitch.newPort(), this.board.ports.lan, 'router-lan');
    this.cable(this.wanSwitch.newPort(), this.board.ports.wan, 'router-wan');
  }

  get scheduler() {
    return this.board.scheduler;
  }

  /** Power the board on with this firmware. */
  start(factory: (hal: Hal) => F): F {
    return this.board.start(factory);
  }

  /** A host with its own cable into the LAN (or WAN) switch. */
  addHost(options: SimHostOptions, side: 'lan' | 'wan' = 'lan', conditions?: Partial<LinkConditions>): SimHost {
    const host = new SimHost(this.board.scheduler, options);
    this.cable(host, (side === 'lan' ? this.lanSwitch : this.wanSwitch).newPort(), `${side}-${options.name}`, conditions);
    this.hosts.push(host);
    return host;
  }

  /** Lay a cable between any two stations (a second switch, a custom device). */
  cable(a: Pluggable, b: Pluggable, name: string, conditions?: Partial<LinkConditions>): Link {
    const link = connect(this.board.scheduler, this.board.rng.fork(), a, b, { name, conditions: { ...this.conditions, ...conditions }, frameLog: this.frameLog });
    this.links.push(link);
    return link;
  }

  /** Advance virtual time (synchronously: promise continuations wait until the caller awaits). */
  run(ms: number): void {
    this.board.scheduler.runFor(ms);
  }

  /**
   * Advance virtual time letting promise continuations run at the instant they were triggered
   * (needed once the firmware awaits flash). `yieldToJobs` as in Scheduler.runUntilAsync.
   */
  runAsync(ms: number, yieldToJobs: () => Promise<void>): Promise<void> {
    return this.board.scheduler.runForAsync(ms, yieldToJobs);
  }
}
