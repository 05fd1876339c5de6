// Boot wiring for the console: a ConsoleRouter over the firmware's parts (services are read when a
// command runs, so those that attach later are seen), log lines above the prompt, live changes.
import type { Firmware } from '../main';
import { DhcpService } from '../dhcp/service';
import { TftpServer } from '../tftp/server';
import { NapptForwarder } from '../nappt/forwarder';
import type { WanAddressing } from '../wan/types';
import { createConsole, type RouterConsole } from './console';
import type { ConsoleRouter, NatView } from './router';
import { dhcpView, natView, wanView } from './views';
import { tftpView } from './tftpView';
import { applyLiveChanges } from '../config/apply';
import { isRouterNat } from '../router/attach';
import type { RouterNatAttachment } from '../router/attach';
import { kernelNatView } from './kernel-nat-view';

/** The forwarder, whether the slot holds it directly or an attachment ({ forwarder, wan }). */
export function forwarderOf(slot: unknown): NapptForwarder | undefined {
  if (slot instanceof NapptForwarder) return slot;
  const inner = (slot as { forwarder?: unknown } | undefined)?.forwarder;
  return inner instanceof NapptForwarder ? inner : undefined;
}

function isWan(value: unknown): value is WanAddressing {
  return typeof value === 'object' && value !== null && typeof (value as WanAddressing).publicAddress === 'function' && typeof (value as WanAddressing).state === 'function';
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

export function consoleRouterOf(firmware: Firmware, firmwareVersion: string): ConsoleRouter {
  const { hal, reactor, stack } = firmware;
  const slots = firmware as unknown as Record<string, unknown>;
  return {
    firmwareVersion,
    board: hal.board,
    ports: hal.ports,
    now: () => hal.now(),
    wallClock: () => hal.wallClock(),
    randomFill: (into) => hal.randomFill(into),
    reboot: () => hal.reboot(),
    pause: () => new Promise<void>((resolve) => hal.setTimer(0, resolve)),
    // Boot may replace the LiveConfig when it loads the saved one: always read the current slot.
    get config() {
      return firmware.config;
    },
    stack,
    get store() {
      return firmware.store;
    },
    get leases() {
      return firmware.dhcp instanceof DhcpService ? firmware.dhcp.server : undefined;
    },
    get dhcp() {
      return firmware.dhcp instanceof DhcpService ? dhcpView(firmware.dhcp) : undefined;
    },
    get tftp() {
      return firmware.tftp instanceof TftpServer ? tftpView(firmware.tftp, () => hal.now(), () => stack.address('lan')?.ip) : undefined;
    },
    get nat() {
      const slot = firmware.nappt;
      if (isRouterNat(slot)) return kernelViewOf(slot);
      const forwarder = forwarderOf(slot);
      return forwarder ? natView(forwarder) : undefined;
    },
    get wan() {
      const wan = isWan(slots.wan) ? slots.wan : (firmware.nappt as { wan?: unknown } | undefined)?.wan;
      return isWan(wan) ? wanView(wan) : undefined;
    },
    log: { entries: (level) => firmware.log.entries(level), setConsoleLevel: (level) => firmware.log.setConsoleLevel(level) },
    extraCounters: () => reactor.counters(),
    get configOrigin() {
      return (firmware as { configOrigin?: string }).configOrigin;
    },
  };
}

/** Start the console on the HAL serial port. Log lines from now on are printed above the prompt. */
export function attachConsole(firmware: Firmware, firmwareVersion: string): RouterConsole {
  const { hal, log, reactor } = firmware;
  const router = consoleRouterOf(firmware, firmwareVersion);
  const routerConsole = createConsole(router, hal.console, () => reactor.reschedule());
  reactor.add(routerConsole.session);
  log.setSink((line) => routerConsole.session.notify(line.replace(/\r?\n$/, '')));
  applyLiveChanges(firmware);
  routerConsole.session.start(hal.now());
  return routerConsole;
}
