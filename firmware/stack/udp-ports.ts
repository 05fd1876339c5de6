// The UDP port table of one interface: bound ports and their handlers, and ephemeral allocation
// from the IANA dynamic range 49152-65535 (RFC 6335), starting at a random point.
import type { DatagramHandler } from './types';

export const EPHEMERAL_FIRST = 49152;
export const EPHEMERAL_LAST = 65535;

export interface UdpBinding {
  readonly localPort: number;
  readonly handler: DatagramHandler;
}

export class UdpPorts {
  private readonly bound = new Map<number, UdpBinding>();
  private cursor: number;

  constructor(randomStart: number) {
    this.cursor = EPHEMERAL_FIRST + (randomStart % (EPHEMERAL_LAST - EPHEMERAL_FIRST + 1));
  }

  get(localPort: number): UdpBinding | undefined {
    return this.bound.get(localPort);
  }

  /** Bind `localPort` (0 = ephemeral). Undefined when taken, or when no ephemeral port is free. */
  bind(localPort: number, handler: DatagramHandler): UdpBinding | undefined {
    if (!Number.isInteger(localPort) || localPort < 0 || localPort > 0xffff) {
      throw new RangeError(`UDP port out of range: ${localPort}`);
    }
    const port = localPort === 0 ? this.freeEphemeral() : localPort;
    if (port === undefined || this.bound.has(port)) return undefined;
    const binding = { localPort: port, handler };
    this.bound.set(port, binding);
    return binding;
  }

  /** Unbind only when `binding` still owns its port (a stale close must not free a re-bound port). */
  release(binding: UdpBinding): void {
    if (this.bound.get(binding.localPort) === binding) this.bound.delete(binding.localPort);
  }

  isBound(binding: UdpBinding): boolean {
    return this.bound.get(binding.localPort) === binding;
  }

  private freeEphemeral(): number | undefined {
    const span = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
    for (let i = 0; i < span; i++) {
      const port = this.cursor;
      this.cursor = port === EPHEMERAL_LAST ? EPHEMERAL_FIRST : port + 1;
      if (!this.bound.has(port)) return port;
    }
    return undefined;
  }
}
