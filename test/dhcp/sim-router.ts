// A router for simulation runs: stack + reactor + flash store + DHCP service on a SimBoard (the
// composition main.ts does, without the other services), with its log lines kept for assertions.
import type { Hal } from '../../hal/hal';
import { createStack } from '../../firmware/stack';
import { Reactor } from '../../firmware/reactor';
import { Log } from '../../firmware/log';
import { mountStore, type FlashStore } from '../../firmware/store';
import type { DhcpService } from '../../firmware/dhcp/service';
import { attachDhcp } from '../../firmware/dhcp/attach';
import { DEFAULT_CONFIG, LiveConfig, withValue, type RouterConfig } from '../../firmware/config';
import { parseIp } from '../../firmware/util/ipv4';

export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const ip = (text: string) => parseIp(text) as number;

/** The router's configuration in simulation runs: LAN 10.1.0.1/16, phones from 10.1.1.1, guests from 10.1.2.1. */
export const SIM_ROUTER_CONFIG: RouterConfig = [
  ['lan.address', ip('10.1.0.1')],
  ['lan.prefix', 16],
  ['dhcp.pool-start', ip('10.1.1.1')],
  ['dhcp.pool-end', ip('10.1.1.250')],
  ['dhcp.guest-pool-start', ip('10.1.2.1')],
  ['dhcp.guest-pool-end', ip('10.1.2.100')],
].reduce((config, [key, value]) => withValue(config, key as string, value as number), DEFAULT_CONFIG);

export interface Router {
  readonly hal: Hal;
  readonly log: Log;
  readonly lines: string[];
  service: DhcpService | undefined;
  store: FlashStore | undefined;
  readonly ready: Promise<void>;
}

/** The DHCP part of main.ts's boot, through the same attachDhcp, with its log lines kept. */
export function routerFirmware(hal: Hal, config: RouterConfig = SIM_ROUTER_CONFIG): Router {
  const lines: string[] = [];
  const log = new Log(hal, undefined);
  const stack = createStack(hal);
  const reactor = new Reactor(hal);
  reactor.add(stack);
  stack.onPollChange = () => reactor.reschedule();
  stack.setAddress('lan', { ip: ip('10.1.0.1'), prefixLength: 16 });
  const router: Router = { hal, log, lines, service: undefined, store: undefined, ready: Promise.resolve() };
  (router as { ready: Promise<void> }).ready = mountStore(hal.flash, { now: () => hal.now(), wallClock: () => hal.wallClock() }).then(async (store) => {
    router.store = store;
    router.service = await attachDhcp({
      stack,
      store,
      log: {
        info: (_s, text) => lines.push(`info ${text}`),
        warn: (_s, text) => lines.push(`warn ${text}`),
        error: (_s, text) => lines.push(`error ${text}`),
      },
      reactor,
      config: new LiveConfig(config),
      now: () => hal.now(),
      randomFill: (into) => hal.randomFill(into),
      lanMac: hal.ports.lan.mac,
    });
  });
  return router;
}
