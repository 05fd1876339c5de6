// Boot: composes the firmware from the HAL's board and the configuration — logger, IPv4 stack,
// reactor, store, configuration and the services — and prints the boot lines on the console.
import type { Hal, PortName } from '../hal/hal';
import { PORT_NAMES } from '../hal/hal';
import { Log } from './log';
import type { LogLevel } from './log';
import { Reactor } from './reactor';
import { createStack } from './stack';
import type { RouterStack } from './stack';
import type { Store } from './store/types';
import { DEFAULT_CONFIG, LiveConfig, settingsOf } from './config';
import type { RouterConfig } from './config';
import { ipToString } from './util/ipv4';
import { macToString } from './util/mac';
import { attachDhcp } from './dhcp/attach';
import { attachNappt } from './nappt/boot';

export const FIRMWARE_NAME = 'Plugboard';
export const FIRMWARE_VERSION = '0.1.0';

export interface BootOptions {
  /** Run with this configuration instead of the one saved in the store (tests, demos). */
  readonly config?: RouterConfig;
  /** Console log level until the configuration's log.level applies (default info). */
  readonly logLevel?: LogLevel;
}

/** Everything a running firmware instance is made of; the console and tests reach services here. */
export interface Firmware {
  readonly hal: Hal;
  readonly log: Log;
  readonly reactor: Reactor;
  readonly stack: RouterStack;
  readonly config: LiveConfig;
  /** Set once the flash store is mounted; undefined while mounting or when the mount failed. */
  store: Store | undefined;
  /** Service slots, filled by the services' own lines in boot(). */
  dhcp: unknown;
  tftp: unknown;
  nappt: unknown;
  console: unknown;
  /** Resolves when every service is attached (after the store mount). */
  readonly ready: Promise<void>;
}

export function boot(hal: Hal, options: BootOptions = {}): Firmware {
  const log = new Log(hal, hal.console, { consoleLevel: options.logLevel ?? 'info' });
  printBanner(hal, log);

  // The stack sets each port's onFrame; the reactor chains onto onBatchEnd, so it comes second.
  const stack = createStack(hal);
  const reactor = new Reactor(hal, {
    onServiceError: (service, error) => log.error(service.name, `dispatch failed: ${describeError(error)}`),
  });
  reactor.add(stack);
  stack.onPollChange = () => reactor.reschedule();

  const initial = options.config ?? DEFAULT_CONFIG;
  const firmware: Firmware = {
    hal,
    log,
    reactor,
    stack,
    config: new LiveConfig(initial),
    store: undefined,
    dhcp: undefined,
    tftp: undefined,
    nappt: undefined,
    console: undefined,
    ready: Promise.resolve(),
  };
  applyAddresses(firmware, initial);

  // Services that need only the stack attach here (their factory, then reactor.add(service)).

  (firmware as { ready: Promise<void> }).ready = attachStoreServices(firmware).then(
    () => log.info('boot', `ready in ${Math.round(hal.now())} ms`),
    (error: unknown) => log.error('boot', `start-up failed: ${describeError(error)}`),
  );
  return firmware;
}

/** Mount the store, then attach the services that persist state (config, leases, images). */
async function attachStoreServices(firmware: Firmware): Promise<void> {
  // The flash store and the saved configuration attach here once firmware/store exports mountStore.
  void firmware;
  // DHCP (firmware/dhcp): restores its leases from firmware.store when mounted above, then serves the LAN.
  firmware.dhcp = await attachDhcp(firmware);
  // NAPPT (firmware/nappt) and the WAN side (firmware/wan): static address or WAN DHCP client, forwarding.
  firmware.nappt = attachNappt(firmware);
}

function applyAddresses(firmware: Firmware, config: RouterConfig): void {
  const { stack, log } = firmware;
  const settings = settingsOf(config);
  stack.setAddress('lan', { ip: settings.lan.address, prefixLength: settings.lan.prefixLength });
  log.info('lan', `address ${ipToString(settings.lan.address)}/${settings.lan.prefixLength}`);
  const wan = settings.wan;
  if (wan.mode === 'static') {
    stack.setAddress('wan', { ip: wan.address, prefixLength: wan.prefixLength, gateway: wan.gateway });
    log.info('wan', `address ${ipToString(wan.address)}/${wan.prefixLength} via ${ipToString(wan.gateway)}`);
  } else {
    stack.setAddress('wan', undefined);
    log.info('wan', 'address from DHCP');
  }
}

function printBanner(hal: Hal, log: Log): void {
  const { board, flash } = hal;
  log.info('boot', `${FIRMWARE_NAME} ${FIRMWARE_VERSION} on board ${board.name} (${board.arch}), console ${board.console.device} at ${board.console.baud} baud`);
  for (const name of PORT_NAMES) log.info('boot', describePort(hal, name));
  const blocks = Math.floor(flash.size / flash.blockSize);
  log.info('boot', `flash ${flash.kind.toUpperCase()} ${flash.size / 1024} KiB: ${blocks} blocks of ${flash.blockSize / 1024} KiB, program unit ${flash.programUnit}`);
  log.info('boot', `memory budget ${board.memoryBudgetKiB} KiB`);
}

function describePort(hal: Hal, name: PortName): string {
  const port = hal.ports[name];
  return `${name} port ${macToString(port.mac)} mtu ${port.mtu} link ${port.linkUp() ? 'up' : 'down'}`;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.message}${error.stack ? `\n${error.stack}` : ''}` : String(error);
}
