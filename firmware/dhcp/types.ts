// What the DHCP server tells the rest of the firmware about the phones it admitted.
// TFTP renders provisioning files from it, NAPPT routes by it, the console shows it.

/** A contiguous, size-aligned block of public ports (RFC 7597 arithmetic with offset 0). */
export interface PortBlock {
  readonly first: number;
  /** Inclusive. */
  readonly last: number;
  /** PSID length k: the block holds 2^(16-k) ports. */
  readonly psidLength: number;
  readonly psid: number;
}

export interface LeaseInfo {
  /** 6 bytes (chaddr). */
  readonly mac: Uint8Array;
  readonly ip: number;
  /** Phone class name, or undefined for a guest. */
  readonly phoneClass: string | undefined;
  /** Undefined for guests and for phones that got no block. */
  readonly block: PortBlock | undefined;
  /** Monotonic ms at which the lease ends. */
  readonly expiresAt: number;
  readonly bootFile: string | undefined;
  /** The class's provisioning-file name pattern (`snom-{MAC}.htm`), when it has one. */
  readonly provisioningName?: string;
  /** Key/values the phone class defines for provisioning templates (sip_server, ntp, tz...). */
  readonly vars: Readonly<Record<string, string>>;
}

export type LeaseEvent = { readonly kind: 'bound' | 'released' | 'expired'; readonly lease: LeaseInfo };

/** Read side of the lease table, for TFTP, NAPPT and the console. Lookups are O(1) or O(log n). */
/** Who holds what now: the pure DHCP server answers these. */
export interface LeaseLookup {
  byIp(ip: number): LeaseInfo | undefined;
  /** The live phone lease whose block contains `publicPort`. */
  byPublicPort(publicPort: number): LeaseInfo | undefined;
  all(): Iterable<LeaseInfo>;
}

/** The lookups and the changes as they happen (DhcpService, which delivers the server's lease events). */
export interface LeaseDirectory extends LeaseLookup {
  /** Subscribe to lease changes (NAPPT flushes state, the console logs). Returns an unsubscribe. */
  subscribe(listener: (event: LeaseEvent) => void): () => void;
}
