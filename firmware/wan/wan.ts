// The WAN side of the router: a static address or the DHCP client on the WAN port, applied to the
// stack (address, prefix, gateway) and published to subscribers (NAPPT, console, TFTP templates).
import type { Stack, UdpEndpoint } from '../stack/types';
import type { Service } from '../stack/service';
import { ipToString, sameSubnet } from '../util/ipv4';
import { DhcpClient, type WanLease } from './dhcpClient';
import { WanStateBook } from './state-book';
import type { WanAddressing, WanConfig, WanState } from './types';

const DHCP_CLIENT_PORT = 68;
const DHCP_SERVER_PORT = 67;

export interface WanOptions {
  readonly stack: Pick<Stack, 'setAddress' | 'bindUdp'>;
  /** The WAN port's MAC (the DHCP client's chaddr and client identifier). */
  readonly mac: Uint8Array;
  readonly config: WanConfig;
  readonly random: () => number;
  /** Monotonic ms, read when a datagram arrives (the edge; the client itself is pure). */
  readonly now: () => number;
  readonly log?: (line: string) => void;
  /** Called when pollAt may have moved earlier (the reactor reschedules). */
  readonly onPollChange?: () => void;
}

/** Problems with a static WAN configuration; empty when usable. */
export function validateWanConfig(config: WanConfig): string[] {
  if (config.mode !== 'static') return [];
  const errors: string[] = [];
  if (!Number.isInteger(config.prefixLength) || config.prefixLength < 1 || config.prefixLength > 32) errors.push('prefix length must be 1..32');
  if (config.address === 0 || config.address >>> 28 >= 0xe) errors.push('address must be a unicast address');
  if (config.gateway !== undefined && (config.gateway === config.address || !sameSubnet(config.gateway, config.address, config.prefixLength))) {
    errors.push('gateway must be another address inside the WAN subnet');
  }
  return errors;
}

export class Wan extends WanStateBook implements WanAddressing, Service {
  readonly name = 'wan';
  readonly client: DhcpClient | undefined;
  private endpoint: UdpEndpoint | undefined;

  constructor(private readonly options: WanOptions) {
    super();
    const config = options.config;
    if (config.mode === 'static') {
      const errors = validateWanConfig(config);
      if (errors.length > 0) throw new Error(`invalid static WAN configuration: ${errors.join('; ')}`);
      this.client = undefined;
      return;
    }
    this.client = new DhcpClient({
      mac: options.mac,
      hostname: config.hostname,
      random: options.random,
      send: (payload, server) => this.sendDhcp(payload, server),
      onLease: (lease) => this.onLease(lease),
      log: options.log,
    });
  }

  /** Apply the static address, or bind port 68 and start the DHCP client. */
  start(now: number): void {
    const config = this.options.config;
    if (config.mode === 'static') {
      this.publish({ address: config.address, prefixLength: config.prefixLength, gateway: config.gateway, dns: [], source: 'static' });
      return;
    }
    this.options.stack.setAddress('wan', undefined);
    this.endpoint = this.options.stack.bindUdp('wan', DHCP_CLIENT_PORT, (datagram) => {
      if (datagram.srcPort !== DHCP_SERVER_PORT) return;
      this.client?.receive(datagram.payload, this.options.now());
      this.options.onPollChange?.();
    });
    if (this.endpoint === undefined) {
      this.options.log?.('UDP port 68 is taken; no DHCP client');
      return;
    }
    this.client?.start(now);
    this.options.onPollChange?.();
  }

  stop(): void {
    this.endpoint?.close();
    this.endpoint = undefined;
  }

  pollAt(): number | undefined {
    return this.client?.pollAt();
  }

  dispatch(now: number): void {
    this.client?.dispatch(now);
  }

  private sendDhcp(payload: Uint8Array, server: number | undefined): void {
    if (this.endpoint === undefined) return;
    if (server === undefined) this.endpoint.sendBroadcast(DHCP_SERVER_PORT, payload);
    else this.endpoint.sendTo(server, DHCP_SERVER_PORT, payload);
  }

  private onLease(lease: WanLease | undefined): void {
    if (lease === undefined) {
      this.publish(undefined);
      return;
    }
    this.publish({
      address: lease.address,
      prefixLength: lease.prefixLength,
      gateway: lease.gateway,
      dns: lease.dns,
      source: 'dhcp',
      server: lease.server,
      leaseExpiresAt: lease.expiresAt,
    });
  }

  private publish(state: WanState | undefined): void {
    const before = this.state();
    const same =
      before !== undefined && state !== undefined && before.address === state.address && before.prefixLength === state.prefixLength && before.gateway === state.gateway;
    if (!same) {
      this.options.stack.setAddress('wan', state === undefined ? undefined : { ip: state.address, prefixLength: state.prefixLength, gateway: state.gateway });
      this.options.log?.(
        state === undefined
          ? 'no address'
          : `address ${ipToString(state.address)}/${state.prefixLength}${state.gateway !== undefined ? ` via ${ipToString(state.gateway)}` : ''} (${state.source})`,
      );
    }
    // Renewals that change nothing still tell listeners (lease times moved); address changes matter most.
    this.announce(state);
  }
}
