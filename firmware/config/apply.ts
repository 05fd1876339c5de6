// Changes that apply live: when the running configuration changes, hand each running service its
// new settings. Keys marked `reload` in the schema are left for the next boot. The NAPPT forwarder
// watches its own `nat.*` keys (firmware/nappt/boot.ts), so they are not applied here a second time.
import type { Firmware } from '../main';
import { DhcpService } from '../dhcp/service';
import { dhcpConfigOf, getValue } from './model';
import type { LogLevel } from './schema';

export function applyLiveChanges(firmware: Firmware): () => void {
  return firmware.config.subscribe((config, changed) => {
    if (changed.includes('log.level')) firmware.log.setConsoleLevel(getValue(config, 'log.level') as LogLevel);
    if (changed.some((key) => key.startsWith('dhcp.') || key === 'phone-class') && firmware.dhcp instanceof DhcpService) {
      firmware.dhcp.configure(dhcpConfigOf(config));
    }
  });
}
