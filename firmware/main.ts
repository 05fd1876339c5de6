// Boot: composes the firmware from the HAL's board and the configuration — logger, IPv4 stack,
// reactor, store, configuration and the services — and prints the boot lines on the console.
import type { Hal, PortName } from '../hal/hal';
import { PORT_NAMES } from '../hal/hal';
import { Log } from './log';
import type { LogLevel } from './log';
import { isLogLevel } from './log';
import { Reactor } from './reactor';
import { createStack } from './stack';
import type { RouterStack } from './stack';
import type { Store } from './store/types';
import { mountStore } from './store';
import { DEFAULT_CONFIG, LiveConfig, loadConfig, settingsOf } from './config';
import type { RouterConfig } from './config';
import { ipToString } from './util/ipv4';
import { macToString } from './util/mac';
import { attachDhcp } from './dhcp/attach';
import { useKernels } from './kernels';
import { attachConsole } from './console/attach';
import { attachNappt } from './nappt/boot';
import { KernelStack, attachRouterNat } from './router';
import { attachTftp } from './tftp/attach';

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
  /** The running configuration: the defaults (or BootOptions.config) until the saved one is loaded, then that. */
  config: LiveConfig;
  /** How the configuration was obtained at boot, for `show status`. */
  configOrigin: string;
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
  useKernels(hal.kernels);

  // Router mode: the kernel's stack (addresses, ARP, forwarding), served by the HAL's sockets.
  // Ports mode: the firmware's own; it sets each port's onFrame, and the reactor chains onto
  // onBatchEnd, so it comes second.
  const stack = hal.net ? new KernelStack(hal.net) : createStack(hal);
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
    configOrigin: options.config ? 'given at boot' : 'defaults',
    store: undefined,
    dhcp: undefined,
    tftp: undefined,
    nappt: undefined,
    console: undefined,
    ready: Promise.resolve(),
  };
  // Services that need neither the store nor the configuration attach here.

  (firmware as { ready: Promise<void> }).ready = attachStoreServices(firmware, options).then(
    () => log.info('boot', `ready in ${Math.round(hal.now())} ms`),
    (error: unknown) => log.error('boot', `start-up failed: ${describeError(error)}`),
  );
  return firmware;
}

/**
 * Mount the store, load the saved configuration, give the ports their addresses, then attach the
 * services. Addresses wait for the configuration so a router never answers on a default address it
 * was configured away from.
 */
async function attachStoreServices(firmware: Firmware, options: BootOptions): Promise<void> {
  firmware.store = await mountFlashStore(firmware);
  if (!options.config && firmware.store) await loadSavedConfig(firmware, firmware.store);
  applyConfig(firmware, firmware.config.current, options);
  // Console (firmware/console): the serial CLI from here on; log lines print above its prompt.
  firmware.console = attachConsole(firmware, FIRMWARE_VERSION);
  // DHCP (firmware/dhcp): restores its leases from firmware.store when mounted above, then serves the LAN.
  firmware.dhcp = await attachDhcp(firmware);
  // Router mode (firmware/router): the kernel forwards, the firmware programs its NAT table.
  // Ports mode: NAPPT (firmware/nappt) and the WAN side (firmware/wan): static or DHCP, forwarding.
  firmware.nappt = firmware.hal.net ? attachRouterNat(firmware, firmware.hal.net) : attachNappt(firmware);
  // TFTP (firmware/tftp): phone software from the store and rendered per-phone files, LAN port 69 only.
  firmware.tftp = attachTftp(firmware);
}

/** The flash store, or undefined (logged) when the partition cannot be mounted at all. */
async function mountFlashStore(firmware: Firmware): Promise<Store | undefined> {
  const { hal, log } = firmware;
  const started = hal.now();
  try {
    const store = await mountStore(hal.flash, hal);
    const usage = store.usage();
    log.info('store', `mounted in ${Math.round(hal.now() - started)} ms: ${store.list().length} items, ${Math.round(usage.usedBytes / 1024)} KiB used of ${Math.round(usage.totalBytes / 1024)} KiB`);
    for (const damage of store.damage()) log.warn('store', `damage: ${damage}`);
    return store;
  } catch (error) {
    log.error('store', `mount failed, running without persistence: ${describeError(error)}`);
    return undefined;
  }
}

async function loadSavedConfig(firmware: Firmware, store: Store): Promise<void> {
  const { log } = firmware;
  const outcome = await loadConfig(store);
  if (outcome.status === 'loaded') {
    firmware.config = new LiveConfig(outcome.config);
    firmware.configOrigin = `loaded from flash (format version ${outcome.fromVersion})`;
    log.info('config', firmware.configOrigin);
    for (const key of outcome.skipped) log.warn('config', `skipped unknown or invalid key ${key}`);
  } else if (outcome.status === 'no-record') {
    firmware.configOrigin = 'defaults (nothing saved)';
    log.info('config', firmware.configOrigin);
  } else {
    firmware.configOrigin = `defaults (saved configuration unreadable: ${outcome.reason})`;
    log.warn('config', firmware.configOrigin);
  }
}

/** What boot applies itself: the ports' addresses and the log level (services read the rest). */
function applyConfig(firmware: Firmware, config: RouterConfig, options: BootOptions = {}): void {
  const { stack, log } = firmware;
  const settings = settingsOf(config);
  if (!options.logLevel && isLogLevel(settings.logLevel)) log.setConsoleLevel(settings.logLevel);
  if (firmware.hal.net) {
    logKernelAddresses(firmware);
    return;
  }
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

/** Router mode: OpenWrt (netifd) owns the addresses; lan.* and wan.* settings are not applied. */
function logKernelAddresses(firmware: Firmware): void {
  const { stack, log } = firmware;
  const net = firmware.hal.net;
  for (const side of PORT_NAMES) {
    const address = stack.address(side);
    const where = net ? net.interfaces[side] : side;
    log.info(side, address === undefined ? `no address yet on ${where} (the kernel's)` : `address ${ipToString(address.ip)}/${address.prefixLength} on ${where} (the kernel's)`);
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
