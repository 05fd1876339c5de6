// Boot wiring for the TFTP server: builds it from the running configuration, the stack, the store
// (possibly absent), DHCP's lease table and the WAN's public address, adds it to the reactor and
// binds LAN port 69. Called by main.ts after DHCP and NAPPT are attached.
import type { Firmware } from '../main';
import type { LeaseDirectory } from '../dhcp/types';
import { settingsOf } from '../config';
import { TftpServer } from './server';
import { NO_LEASES } from '../dhcp/no-leases';

export function attachTftp(firmware: Firmware): TftpServer {
  const { hal, stack, reactor, log } = firmware;
  const settings = settingsOf(firmware.config.current).tftp;
  const leases = (firmware.dhcp as { server?: LeaseDirectory } | undefined)?.server ?? NO_LEASES;
  const wan = (firmware.nappt as { wan?: { publicAddress(): number | undefined } } | undefined)?.wan;
  const server = new TftpServer({
    stack,
    store: firmware.store,
    leases,
    clock: () => hal.now(),
    publicIp: () => wan?.publicAddress(),
    lanMtu: hal.ports.lan.mtu,
    limits: {
      // tftp.max-sessions (1-256); a branch office's boot storm wants 200 or more.
      maxTransfers: settings.maxSessions,
      maxBlockSize: settings.maxBlockSize,
      maxWindowSize: settings.maxWindow,
      maxUploadBytes: settings.uploadMaxBytes,
    },
    log: (line) => log.info('tftp', line),
    warn: (line) => log.warn('tftp', line),
    wake: () => reactor.reschedule(),
  });
  reactor.add(server);
  if (server.start()) log.info('tftp', `serving on LAN port 69 (blksize up to ${Math.min(settings.maxBlockSize, hal.ports.lan.mtu - 32)}, window up to ${settings.maxWindow})`);
  else log.error('tftp', 'LAN port 69 is taken: TFTP is not served');
  return server;
}
