// Boot wiring for router mode (board forwarding "kernel"): the WAN address comes from the kernel,
// and the NAT programmer keeps the kernel's table in step with leases, addresses and nat.* settings.
// DHCP holds each ACK until the table that routes the phone's block is in the kernel.
import type { BoardInfo, KernelNet } from '../../hal/hal';
import type { LogLines } from '../boot-deps';
import type { LiveConfig } from '../config/live';
import { settingsOf } from '../config/model';
import type { RouterStack } from '../stack/stack';
import { ipToString } from '../util/ipv4';
import type { DhcpService } from '../dhcp/service';
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

export interface RouterNatDeps {
  readonly stack: Pick<RouterStack, 'address'>;
  readonly log: LogLines;
  readonly config: LiveConfig;
  readonly now: () => number;
  /** The flowtable offload the board's SoC supports (board.offload). */
  readonly offload: BoardInfo['offload'];
  readonly dhcp: DhcpService | undefined;
}

export function attachRouterNat(deps: RouterNatDeps, net: KernelNet): RouterNatAttachment {
  const { log, stack, dhcp } = deps;
  const leases = dhcp ?? NO_LEASES;
  const wan = new KernelWan(net);
  const boot = settingsOf(deps.config.current).nat;
  const programmer = new NatProgrammer(
    {
      net,
      leases,
      lan: () => stack.address('lan'),
      wan: () => {
        const state = wan.state();
        return state === undefined ? undefined : { ip: state.address, prefixLength: state.prefixLength };
      },
      offload: deps.offload,
      now: deps.now,
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
  const unwatch = deps.config.subscribe((config, changed) => {
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
    leases: dhcp,
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
