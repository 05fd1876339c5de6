// Boot wiring for the forwarder (ports mode): builds the NapptForwarder from the running
// configuration, follows the WAN side's address (a new public address reaches the forwarder at
// once), attaches it to the stack and the WAN port and adds it to the reactor. NAPPT owns the
// nat.* keys: live ones apply here; the pool and the WAN MTU are read at boot only.
import type { Port } from '../../hal/hal';
import type { ServiceDeps } from '../boot-deps';
import type { LiveConfig } from '../config/live';
import { settingsOf } from '../config/model';
import type { LeaseDirectory } from '../dhcp/types';
import type { Stack } from '../stack/types';
import type { WanAddressing, WanState } from '../wan/types';
import type { Wan } from '../wan/wan';
import { NapptForwarder } from './forwarder';
import { attachForwarder } from './attach';

export interface NapptAttachment {
  readonly kind: 'ports';
  readonly forwarder: NapptForwarder;
  /** The WAN side the forwarder follows: publicAddress() + subscribe() for the console and TFTP. */
  readonly wan: WanAddressing & Wan;
  readonly detach: () => void;
}

export interface NapptAttachDeps extends ServiceDeps {
  readonly stack: Stack;
  readonly config: LiveConfig;
  /** DHCP's lease table (phones and their blocks), or an empty one when DHCP is not running. */
  readonly leases: LeaseDirectory;
  readonly wan: Wan;
  /** The ports' MACs, and the WAN port itself: the forwarder looks first at frames for the public address. */
  readonly ports: { readonly lan: Pick<Port, 'mac'>; readonly wan: Port };
}

export function attachNappt(deps: NapptAttachDeps): NapptAttachment {
  const { stack, reactor, log, config, wan } = deps;
  const forwarder = new NapptForwarder({
    stack,
    leases: deps.leases,
    now: deps.now,
    config: settingsOf(config.current).nat,
    log: (line) => log.info('nappt', line),
    macs: { lan: deps.ports.lan.mac, wan: deps.ports.wan.mac },
  });
  const follow = (state: WanState | undefined): void => {
    forwarder.setWan(state === undefined ? undefined : { address: state.address, prefixLength: state.prefixLength, gateway: state.gateway });
  };
  // The WAN may already have its address (a static one is applied at boot, before NAPPT attaches).
  follow(wan.state());
  const unsubscribe = wan.subscribe((state) => {
    follow(state);
    reactor.reschedule();
  });
  // `nat.*` keys apply live; the pool and the WAN MTU wait for a reload (schema: apply 'reload').
  const unwatch = config.subscribe((current, changed) => {
    if (!changed.some((key) => key.startsWith('nat.'))) return;
    const running = forwarder.currentConfig();
    const errors = forwarder.setConfig({ ...settingsOf(current).nat, pool: running.pool, wanMtu: running.wanMtu });
    for (const error of errors) log.warn('nappt', `configuration not applied: ${error}`);
  });
  const detachHook = attachForwarder(deps.ports.wan, stack, forwarder);
  reactor.add(forwarder);
  return {
    kind: 'ports',
    forwarder,
    wan,
    detach: () => {
      unsubscribe();
      unwatch();
      detachHook();
      forwarder.close();
      reactor.remove(forwarder);
    },
  };
}
