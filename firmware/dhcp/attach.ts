// Boot wiring for the DHCP server: builds the DhcpService from the running configuration, the
// stack and the (possibly absent) store, adds it to the reactor and starts it. Called by main.ts.
import type { Firmware } from '../main';
import { settingsOf } from '../config';
import { DhcpService } from './service';

export async function attachDhcp(firmware: Firmware): Promise<DhcpService> {
  const { hal, stack, log, reactor } = firmware;
  const random = new Uint8Array(4);
  const service = new DhcpService(settingsOf(firmware.config.current).dhcp, {
    stack,
    store: firmware.store,
    log,
    now: () => hal.now(),
    lanMac: hal.ports.lan.mac,
    randomU32: () => {
      hal.randomFill(random);
      return ((random[0] << 24) | (random[1] << 16) | (random[2] << 8) | random[3]) >>> 0;
    },
    reschedule: () => reactor.reschedule(),
  });
  reactor.add(service);
  await service.start();
  return service;
}
