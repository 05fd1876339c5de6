// Boot wiring for the WAN side and the forwarder: builds the Wan (static or DHCP client) and the
// NapptForwarder from the running configuration, connects them (a new public address reaches the
// forwarder at once), attaches the forwarder to the stack and the WAN port, adds both to the reactor.
import type { Firmware } from '../main';
import type { LeaseDirectory } from '../dhcp/types';
import { settingsOf } from '../config';
import { Wan, type WanAddressing, type WanConfig } from '../wan';
import { NapptForwarder } from './forwarder';
import { attachForwarder } from './attach';
import { NO_LEASES } from '../dhcp/no-leases';

export interface NapptAttachment {
  readonly forwarder: NapptForwarder;
  /** The public address for the console and TFTP templates: publicAddress() + subscribe(). */
  readonly wan: WanAddressing & Wan;
  readonly detach: () => void;
}

export function attachNappt(firmware: Firmware): NapptAttachment {
  const { hal, stack, reactor, log } = firmware;
  const settings = settingsOf(firmware.config.current);
  const leases = (firmware.dhcp as { server?: LeaseDirectory } | undefined)?.server ?? NO_LEASES;
  const forwarder = new NapptForwarder({
    stack,
    leases,
    now: () => hal.now(),
    config: settings.nat,
    log: (line) => log.info('nappt', line),
    macs: { lan: hal.ports.lan.mac, wan: hal.ports.wan.mac },
  });
  const wanConfig: WanConfig =
    settings.wan.mode === 'static'
      ? { mode: 'static', address: settings.wan.address, prefixLength: settings.wan.prefixLength, gateway: settings.wan.gateway }
      : { mode: 'dhcp', hostname: settings.hostname };
  const word = new Uint8Array(4);
  const wan = new Wan({
    stack,
    mac: hal.ports.wan.mac,
    config: wanConfig,
    random: () => {
      hal.randomFill(word);
      return ((word[0] << 24) | (word[1] << 16) | (word[2] << 8) | word[3]) >>> 0;
    },
    now: () => hal.now(),
    log: (line) => log.info('wan', line),
    onPollChange: () => reactor.reschedule(),
  });
  const unsubscribe = wan.subscribe((state) => {
    forwarder.setWan(state === undefined ? undefined : { address: state.address, prefixLength: state.prefixLength, gateway: state.gateway });
    reactor.reschedule();
  });
  // `nat.*` keys apply live; the pool and the WAN MTU wait for a reload (schema: apply 'reload').
  const unwatch = firmware.config.subscribe((config, changed) => {
    if (!changed.some((key) => key.startsWith('nat.'))) return;
    const running = forwarder.currentConfig();
    const errors = forwarder.setConfig({ ...settingsOf(config).nat, pool: running.pool, wanMtu: running.wanMtu });
    for (const error of errors) log.warn('nappt', `configuration not applied: ${error}`);
  });
  const detachHook = attachForwarder(hal.ports.wan, stack, forwarder);
  reactor.add(forwarder);
  reactor.add(wan);
  wan.start(hal.now());
  return {
    forwarder,
    wan,
    detach: () => {
      unsubscribe();
      unwatch();
      detachHook();
      wan.stop();
      forwarder.close();
      reactor.remove(forwarder);
      reactor.remove(wan);
    },
  };
}
