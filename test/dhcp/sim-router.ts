// A router for simulation runs: stack + reactor + flash store + DHCP service on a SimBoard (the
// composition main.ts does, without the other services), with its log lines kept for assertions.
import type { Hal } from '../../hal/hal';
import { createStack } from '../../firmware/stack';
import { Reactor } from '../../firmware/reactor';
import { Log } from '../../firmware/log';
import { mountStore, type FlashStore } from '../../firmware/store';
import { DhcpService } from '../../firmware/dhcp/service';
import type { DhcpConfig } from '../../firmware/dhcp/config';
import { DEFAULT_DHCP_CONFIG } from '../../firmware/dhcp/defaults';
import { parseIp } from '../../firmware/util/ipv4';

export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export const SIM_CONFIG: DhcpConfig = {
  ...DEFAULT_DHCP_CONFIG,
  pool: { first: '10.1.1.1', last: '10.1.1.250' },
  guestPool: { first: '10.1.2.1', last: '10.1.2.100' },
};

export interface Router {
  readonly hal: Hal;
  readonly log: Log;
  readonly lines: string[];
  service: DhcpService | undefined;
  store: FlashStore | undefined;
  readonly ready: Promise<void>;
}

export function routerFirmware(hal: Hal, config: DhcpConfig = SIM_CONFIG): Router {
  const lines: string[] = [];
  const log = new Log(hal, undefined);
  const stack = createStack(hal);
  const reactor = new Reactor(hal);
  reactor.add(stack);
  stack.onPollChange = () => reactor.reschedule();
  stack.setAddress('lan', { ip: parseIp('10.1.0.1')!, prefixLength: 16 });
  const router: Router = { hal, log, lines, service: undefined, store: undefined, ready: Promise.resolve() };
  const random = new Uint8Array(4);
  (router as { ready: Promise<void> }).ready = mountStore(hal.flash, { now: () => hal.now(), wallClock: () => hal.wallClock() }).then(async (store) => {
    router.store = store;
    const service = new DhcpService(config, {
      stack,
      store,
      log: {
        info: (_s, text) => lines.push(`info ${text}`),
        warn: (_s, text) => lines.push(`warn ${text}`),
        error: (_s, text) => lines.push(`error ${text}`),
      },
      now: () => hal.now(),
      lanMac: hal.ports.lan.mac,
      randomU32: () => {
        hal.randomFill(random);
        return ((random[0] << 24) | (random[1] << 16) | (random[2] << 8) | random[3]) >>> 0;
      },
      reschedule: () => reactor.reschedule(),
    });
    router.service = service;
    reactor.add(service);
    await service.start();
  });
  return router;
}

