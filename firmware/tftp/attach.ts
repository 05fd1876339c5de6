// Boot wiring for the TFTP server: builds it from the configuration read at boot (tftp.* keys
// need a reload), the stack, the store (possibly absent), DHCP's lease table and the WAN's public
// address, adds it to the reactor and binds LAN port 69.
import type { ServiceDeps } from '../boot-deps';
import type { RouterConfig } from '../config/model';
import { settingsOf } from '../config/model';
import type { LeaseDirectory } from '../dhcp/types';
import type { Stack } from '../stack/types';
import type { Store } from '../store/types';
import type { WanAddressing } from '../wan/types';
import { TftpServer } from './server';

export interface TftpAttachDeps extends ServiceDeps {
  readonly stack: Stack;
  readonly store: Store | undefined;
  /** The configuration the firmware booted with. */
  readonly config: RouterConfig;
  /** DHCP's lease table (who is a phone), or an empty one when DHCP is not running. */
  readonly leases: LeaseDirectory;
  /** The public address for templates; undefined when there is no WAN side. */
  readonly wan: Pick<WanAddressing, 'publicAddress'> | undefined;
  readonly lanMtu: number;
}

export function attachTftp(deps: TftpAttachDeps): TftpServer {
  const { reactor, log, wan, lanMtu } = deps;
  const settings = settingsOf(deps.config).tftp;
  const server = new TftpServer({
    stack: deps.stack,
    store: deps.store,
    leases: deps.leases,
    clock: deps.now,
    publicIp: () => wan?.publicAddress(),
    lanMtu,
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
  if (server.start()) log.info('tftp', `serving on LAN port 69 (blksize up to ${Math.min(settings.maxBlockSize, lanMtu - 32)}, window up to ${settings.maxWindow})`);
  else log.error('tftp', 'LAN port 69 is taken: TFTP is not served');
  return server;
}
