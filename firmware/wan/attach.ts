// Boot wiring for the WAN side in ports mode: a static address or the DHCP client on the WAN port,
// built from the configuration read at boot (wan.* keys need a reload), added to the reactor and
// started. The WAN is the only one that gives the WAN port its address.
import type { ServiceDeps } from '../boot-deps';
import type { RouterConfig } from '../config/model';
import { settingsOf } from '../config/model';
import type { Stack } from '../stack/types';
import { randomU32Source } from '../util/random';
import type { WanConfig } from './types';
import { Wan } from './wan';

export interface WanAttachDeps extends ServiceDeps {
  readonly stack: Pick<Stack, 'setAddress' | 'bindUdp'>;
  /** The configuration the firmware booted with. */
  readonly config: RouterConfig;
  readonly randomFill: (into: Uint8Array) => void;
  /** The WAN port's MAC (the DHCP client's chaddr and client identifier). */
  readonly wanMac: Uint8Array;
}

export function wanConfigOf(config: RouterConfig): WanConfig {
  const settings = settingsOf(config);
  return settings.wan.mode === 'static'
    ? { mode: 'static', address: settings.wan.address, prefixLength: settings.wan.prefixLength, gateway: settings.wan.gateway }
    : { mode: 'dhcp', hostname: settings.hostname };
}

export function attachWan(deps: WanAttachDeps): Wan {
  const { reactor, log, now } = deps;
  const wan = new Wan({
    stack: deps.stack,
    mac: deps.wanMac,
    config: wanConfigOf(deps.config),
    random: randomU32Source(deps.randomFill),
    now,
    log: (line) => log.info('wan', line),
    onPollChange: () => reactor.reschedule(),
  });
  reactor.add(wan);
  if (wan.client) log.info('wan', 'address from DHCP');
  wan.start(now());
  return wan;
}
