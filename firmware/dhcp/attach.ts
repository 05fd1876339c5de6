// Boot wiring for the DHCP server: builds the DhcpService from the running configuration, the
// stack and the (possibly absent) store, adds it to the reactor and starts it. DHCP owns its keys
// (dhcp.* and the phone classes): a change to them reaches the running server here.
import type { ServiceDeps } from '../boot-deps';
import type { LiveConfig } from '../config/live';
import { dhcpConfigOf, settingsOf } from '../config/model';
import type { Stack } from '../stack/types';
import type { Store } from '../store/types';
import { randomU32Source } from '../util/random';
import { DhcpService } from './service';

export interface DhcpAttachDeps extends ServiceDeps {
  readonly stack: Stack;
  /** Undefined when the flash store did not mount: leases live in RAM only. */
  readonly store: Store | undefined;
  readonly config: LiveConfig;
  readonly randomFill: (into: Uint8Array) => void;
  /** The router's LAN MAC (the server's own hardware address in probes). */
  readonly lanMac: Uint8Array;
}

/** Keys whose change reconfigures the running server (the rest of dhcp.* is live too). */
export function isDhcpKey(key: string): boolean {
  return key.startsWith('dhcp.') || key === 'phone-class';
}

export async function attachDhcp(deps: DhcpAttachDeps): Promise<DhcpService> {
  const { reactor, config } = deps;
  const service = new DhcpService(settingsOf(config.current).dhcp, {
    stack: deps.stack,
    store: deps.store,
    log: deps.log,
    now: deps.now,
    lanMac: deps.lanMac,
    randomU32: randomU32Source(deps.randomFill),
    reschedule: () => reactor.reschedule(),
  });
  config.subscribe((current, changed) => {
    if (changed.some(isDhcpKey)) service.configure(dhcpConfigOf(current));
  });
  reactor.add(service);
  await service.start();
  return service;
}
