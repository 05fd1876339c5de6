// Boot wiring for the console: a ConsoleRouter over the firmware's parts (services are read when a
// command runs, so those that attach later are seen), log lines above the prompt.
import type { Hal } from '../../hal/hal';
import type { LiveConfig } from '../config/live';
import type { DhcpService } from '../dhcp/service';
import type { Log } from '../log';
import type { NapptAttachment } from '../nappt/boot';
import type { Reactor } from '../reactor';
import type { RouterNatAttachment } from '../router/attach';
import type { Stack } from '../stack/types';
import type { Store } from '../store/types';
import type { TftpServer } from '../tftp/server';
import type { WanAddressing } from '../wan/types';
import { createConsole, type RouterConsole } from './console';
import type { ConsoleRouter, NatView } from './router';
import { dhcpView, natView, wanView } from './views';
import { tftpView } from './tftpView';
import { kernelNatView } from './kernel-nat-view';

/**
 * What the console reads. Services fill in while boot goes on, so the console reads these fields
 * when a command runs, never once at attach.
 */
export interface ConsoleParts {
  readonly hal: Hal;
  readonly reactor: Pick<Reactor, 'add' | 'reschedule' | 'counters'>;
  readonly stack: Stack;
  readonly log: Log;
  /** Boot replaces the LiveConfig when it loads the saved one. */
  readonly config: LiveConfig;
  readonly configOrigin: string;
  readonly store: Store | undefined;
  readonly dhcp: DhcpService | undefined;
  readonly tftp: TftpServer | undefined;
  /** Ports mode: the forwarder; router mode: the kernel's NAT table. */
  readonly nappt: NapptAttachment | RouterNatAttachment | undefined;
  readonly wan: WanAddressing | undefined;
}

/** One view per attachment: it keeps the last counters read and the `clear counters` baseline. */
const kernelViews = new WeakMap<RouterNatAttachment, NatView>();
function kernelViewOf(slot: RouterNatAttachment): NatView {
  let view = kernelViews.get(slot);
  if (view === undefined) {
    view = kernelNatView(slot.programmer, slot.net, slot.wan, slot.leases);
    kernelViews.set(slot, view);
  }
  return view;
}

export function consoleRouterOf(parts: ConsoleParts, firmwareVersion: string): ConsoleRouter {
  const { hal, reactor, stack } = parts;
  return {
    firmwareVersion,
    board: hal.board,
    ports: hal.ports,
    now: () => hal.now(),
    wallClock: () => hal.wallClock(),
    randomFill: (into) => hal.randomFill(into),
    reboot: () => hal.reboot(),
    pause: () => new Promise<void>((resolve) => hal.setTimer(0, resolve)),
    get config() {
      return parts.config;
    },
    stack,
    get store() {
      return parts.store;
    },
    get leases() {
      return parts.dhcp;
    },
    get dhcp() {
      return parts.dhcp ? dhcpView(parts.dhcp) : undefined;
    },
    get tftp() {
      return parts.tftp ? tftpView(parts.tftp, () => hal.now(), () => stack.address('lan')?.ip) : undefined;
    },
    get nat() {
      const slot = parts.nappt;
      if (slot === undefined) return undefined;
      return slot.kind === 'router-mode' ? kernelViewOf(slot) : natView(slot.forwarder);
    },
    get wan() {
      return parts.wan ? wanView(parts.wan) : undefined;
    },
    log: { entries: (level) => parts.log.entries(level), setConsoleLevel: (level) => parts.log.setConsoleLevel(level) },
    extraCounters: () => reactor.counters(),
    get configOrigin() {
      return parts.configOrigin;
    },
  };
}

/** Start the console on the HAL serial port. Log lines from now on are printed above the prompt. */
export function attachConsole(parts: ConsoleParts, firmwareVersion: string): RouterConsole {
  const { hal, log, reactor } = parts;
  const router = consoleRouterOf(parts, firmwareVersion);
  const routerConsole = createConsole(router, hal.console, () => reactor.reschedule());
  reactor.add(routerConsole.session);
  log.setSink((line) => routerConsole.session.notify(line.replace(/\r?\n$/, '')));
  routerConsole.session.start(hal.now());
  return routerConsole;
}
