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
import { DEFAULT_CONFIG, LiveConfig, getValue, loadConfig, settingsOf } from './config';
import type { RouterConfig } from './config';
import { ipToString } from './util/ipv4';
import { macToString } from './util/mac';
import { attachDhcp } from './dhcp/attach';
import type { DhcpService } from './dhcp/service';
import type { LeaseDirectory } from './dhcp/types';
import { useKernels } from './kernels';
import { attachConsole } from './console/attach';
import type { RouterConsole } from './console/console';
import { attachNappt, type NapptAttachment } from './nappt/boot';
import { KernelStack, attachRouterNat, type KernelWan, type RouterNatAttachment } from './router';
import { attachTftp } from './tftp/attach';
import type { TftpServer } from './tftp/server';
import { attachWan } from './wan/attach';
import type { Wan } from './wan/wan';

export const FIRMWARE_NAME = 'Plugboard';
export const FIRMWARE_VERSION = '0.1.0';

export interface BootOptions {
  /** Run with this configuration instead of the one saved in the store (tests, demos). */
  readonly config?: RouterConfig;
  /** Console log level until the configuration's log.level applies (default info). */
  readonly logLevel?: LogLevel;
}

/** Ports mode: the firmware's forwarder; router mode: the kernel's NAT table the firmware programs. */
export type NatAttachment = NapptAttachment | RouterNatAttachment;

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
  /** The services, each set by its own line in attachServices() (undefined until then). */
  console: RouterConsole | undefined;
  dhcp: DhcpService | undefined;
  /** Ports mode: static address or DHCP client (a Wan); router mode: the kernel's address. */
  wan: Wan | KernelWan | undefined;
  nappt: NatAttachment | undefined;
  tftp: TftpServer | undefined;
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
    console: undefined,
    dhcp: undefined,
    wan: undefined,
    nappt: undefined,
    tftp: undefined,
    ready: Promise.resolve(),
  };
  (firmware as { ready: Promise<void> }).ready = attachServices(firmware, options).then(
    () => log.info('boot', `ready in ${Math.round(hal.now())} ms`),
    (error: unknown) => log.error('boot', `start-up failed: ${describeError(error)}`),
  );
  return firmware;
}

/**
 * Mount the store, load the saved configuration, give the ports their addresses, then attach the
 * services, each with the parts it needs. Addresses wait for the configuration so a router never
 * answers on a default address it was configured away from.
 */
async function attachServices(firmware: Firmware, options: BootOptions): Promise<void> {
  const { hal, log, reactor, stack } = firmware;
  firmware.store = await mountFlashStore(firmware);
  if (!options.config && firmware.store) await loadSavedConfig(firmware, firmware.store);
  const config = firmware.config;
  const booted = config.current;
  const now = () => hal.now();
  const randomFill = (into: Uint8Array) => hal.randomFill(into);
  applyBootSettings(firmware, booted, options);
  // WAN (firmware/wan), ports mode: the static address or the DHCP client; the only owner of the WAN address.
  const wan = hal.net ? undefined : attachWan({ stack, log, reactor, config: booted, now, randomFill, wanMac: hal.ports.wan.mac });
  firmware.wan = wan;
  // Console (firmware/console): the serial CLI from here on; log lines print above its prompt.
  firmware.console = attachConsole(firmware, FIRMWARE_VERSION);
  // DHCP (firmware/dhcp): restores its leases from the store when mounted above, then serves the LAN.
  const dhcp = await attachDhcp({ stack, store: firmware.store, log, reactor, config, now, randomFill, lanMac: hal.ports.lan.mac });
  firmware.dhcp = dhcp;
  const leases: LeaseDirectory = dhcp;
  // Router mode (firmware/router): the kernel forwards, the firmware programs its NAT table.
  // Ports mode: NAPPT (firmware/nappt) translates on the WAN address the WAN side holds.
  if (hal.net) {
    const routerNat = attachRouterNat({ stack, log, config, now, offload: hal.board.offload, dhcp }, hal.net);
    firmware.nappt = routerNat;
    firmware.wan = routerNat.wan;
  } else if (wan) {
    firmware.nappt = attachNappt({ stack, log, reactor, config, now, leases, wan, ports: hal.ports });
  }
  // TFTP (firmware/tftp): phone software from the store and rendered per-phone files, LAN port 69 only.
  firmware.tftp = attachTftp({ stack, store: firmware.store, log, reactor, config: booted, now, leases, wan: firmware.wan, lanMtu: hal.ports.lan.mtu });
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

/**
 * What boot owns itself: the LAN port's address and the log level (at boot and live). The WAN
 * address belongs to the WAN side (attachWan); the services read the rest.
 */
function applyBootSettings(firmware: Firmware, config: RouterConfig, options: BootOptions): void {
  const { stack, log } = firmware;
  const settings = settingsOf(config);
  if (!options.logLevel && isLogLevel(settings.logLevel)) log.setConsoleLevel(settings.logLevel);
  firmware.config.subscribe((current, changed) => {
    const level = getValue(current, 'log.level');
    if (changed.includes('log.level') && typeof level === 'string' && isLogLevel(level)) log.setConsoleLevel(level);
  });
  if (firmware.hal.net) {
    logKernelAddresses(firmware);
    return;
  }
  stack.setAddress('lan', { ip: settings.lan.address, prefixLength: settings.lan.prefixLength });
  log.info('lan', `address ${ipToString(settings.lan.address)}/${settings.lan.prefixLength}`);
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
