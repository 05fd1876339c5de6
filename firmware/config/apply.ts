// Changes that apply live: when the running configuration changes, hand each running service its
// new settings. Keys marked `reload` in the schema are left for the next boot.
import type { Firmware } from '../main';
import { DhcpService } from '../dhcp/service';
import { NapptForwarder } from '../nappt/forwarder';
import { dhcpConfigOf, getValue, napptConfigOf } from './model';
import type { LogLevel } from './schema';

export function applyLiveChanges(firmware: Firmware): () => void {
  return firmware.config.subscribe((config, changed) => {
    if (changed.includes('log.level')) firmware.log.setConsoleLevel(getValue(config, 'log.level') as LogLevel);
    if (changed.some((key) => key.startsWith('dhcp.') || key === 'phone-class') && firmware.dhcp instanceof DhcpService) {
      firmware.dhcp.configure(dhcpConfigOf(config));
    }
    const forwarder = firmware.nappt instanceof NapptForwarder ? firmware.nappt : (firmware.nappt as { forwarder?: unknown } | undefined)?.forwarder;
    if (changed.some((key) => key.startsWith('nat.') || key === 'wan.mtu') && forwarder instanceof NapptForwarder) {
      const errors = forwarder.setConfig(napptConfigOf(config));
      for (const error of errors) firmware.log.error('nat', `configuration not applied: ${error}`);
    }
  });
}
