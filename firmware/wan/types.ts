// What the rest of the firmware learns about the WAN side: the public address, its subnet and
// gateway, where it came from, and a subscription for changes (NAPPT, console, TFTP templates).

export interface WanState {
  readonly address: number;
  readonly prefixLength: number;
  readonly gateway: number | undefined;
  readonly dns: readonly number[];
  /** 'kernel': router mode, the address OpenWrt's netifd gave the WAN interface. */
  readonly source: 'static' | 'dhcp' | 'kernel';
  /** DHCP only: the server that granted the lease and when it ends (monotonic ms). */
  readonly server?: number;
  readonly leaseExpiresAt?: number;
}

export interface WanAddressing {
  /** The public address translation uses now, or undefined while there is none. */
  publicAddress(): number | undefined;
  state(): WanState | undefined;
  /** Called with every change (undefined when the address is lost). Returns an unsubscribe. */
  subscribe(listener: (state: WanState | undefined) => void): () => void;
}

export type WanConfig =
  | { readonly mode: 'static'; readonly address: number; readonly prefixLength: number; readonly gateway: number | undefined }
  | { readonly mode: 'dhcp'; readonly hostname?: string };
