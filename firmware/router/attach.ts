// Boot wiring for router mode (board forwarding "kernel"): the WAN address comes from the kernel,
// and the NAT programmer keeps the kernel's table in step with leases, addresses and nat.* settings.
// DHCP holds each ACK until the table that routes the phone's block is in the kernel.
import type { KernelNet } from '../../hal/hal';
import type { Firmware } from '../main';
import { settingsOf } from '../config';
import { ipToString } from '../util/ipv4';
import { DhcpService } from '../dhcp/service';
import type { LeaseDirectory } from '../dhcp/types';
import { KernelWan } from './kernel-wan';
import { NatProgrammer } from './nat-programmer';
import { NO_LEASES } from '../dhcp/no-leases';

export interface RouterNatAttachment {
  readonly kind: 'router-mode';
  readonly net: KernelNet;
  readonly wan: KernelWan;
  readonly programmer: NatProgrammer;
  readonly leases: LeaseDirectory | undefined;
  readonly detach: () => Promise<void>;
}

export function isRouterNat(slot: unknown): slot is RouterNatAttachment {
  return typeof slot === 'object' && slot !== null && (slot as RouterNatAttachment).kind === 'router-mode';
}

export function attachRouterNat(firmware: Firmware, net: KernelNet): RouterNatAttachment {
  const { hal, log, stack } = firmware;
  const dhcp = firmware.dhcp instanceof DhcpService ? firmware.dhcp : undefined;
  const leases = dhcp?.server ?? NO_LEASES;
  const wan = new KernelWan(net);
  const boot = settingsOf(firmware.config.current).nat;
  const programmer = new NatProgrammer(
    {
      net,
      leases,
      lan: () => stack.address('lan'),
      wan: () => {
        const state = wan.state();
        return state === undefined ? undefined : { ip: state.address, prefixLength: state.prefixLength };
      },
      offload: hal.board.offload,
      now: () => hal.now(),
      log: { info: (text) => log.info('nat', text), error: (text) => log.error('nat', text) },
    },
    boot,
  );
  net.onAddressChange = (side) => {
    if (side === 'wan') {
      wan.refresh();
      const state = wan.state();
      log.info('wan', state === undefined ? 'address lost (kernel)' : `address ${addressText(state.address, state.prefixLength)} (kernel)`);
    } else {
      dhcp?.refreshNetwork();
      const lan = stack.address('lan');
      log.info('lan', lan === undefined ? 'address lost (kernel)' : `address ${addressText(lan.ip, lan.prefixLength)} (kernel)`);
    }
    programmer.update();
  };
  const unsubscribeLeases = leases.subscribe(() => programmer.update());
  // nat.* keys apply live; the pool and the WAN MTU are reload-only (schema apply 'reload').
  const unwatch = firmware.config.subscribe((config, changed) => {
    if (!changed.some((key) => key.startsWith('nat.'))) return;
    const running = programmer.currentPolicy();
    programmer.setPolicy({ ...settingsOf(config).nat, pool: running.pool, wanMtu: running.wanMtu });
  });
  dhcp?.setAckGate(() => programmer.whenApplied());
  programmer.update();
  return {
    kind: 'router-mode',
    net,
    wan,
    programmer,
    leases: dhcp?.server,
    detach: async () => {
      unsubscribeLeases();
      unwatch();
      net.onAddressChange = undefined;
      dhcp?.setAckGate(undefined);
      await programmer.stop();
    },
  };
}

function addressText(ip: number, prefixLength: number): string {
  return `${ipToString(ip)}/${prefixLength}`;
}
