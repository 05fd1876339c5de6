// The hardware abstraction layer: the only door between the firmware and a board.
// Two hosts implement it: hal/sim (deterministic simulation) and hal/native (the C runtime).
// Shaped after ECMA-419: callbacks are never invoked from inside a HAL method call, and
// asynchronous flash operations report a SysError code instead of throwing.

/** System errors from HAL and store calls (negative, like LittleFS's lfs_error). 0 is success. */
export const SysError = {
  OK: 0,
  IO: -5, // the device failed the operation
  CORRUPT: -84, // data read back does not match its checksum
  BAD_BLOCK: -77, // NAND block is (or went) bad
  NO_SPACE: -28,
  INVALID: -22, // argument out of range or misaligned
  NOT_FOUND: -2,
  BUSY: -16,
  POWER_LOST: -125, // only in simulation: the operation was cut and will never complete
} as const;
export type SysError = (typeof SysError)[keyof typeof SysError];

export type PortName = 'lan' | 'wan';
export const PORT_NAMES: readonly PortName[] = ['lan', 'wan'];

/** One switch port (or the interface the board maps to it). Frames are whole Ethernet frames without FCS. */
export interface Port {
  readonly name: PortName;
  /** 6 bytes; the router's own MAC on this port. */
  readonly mac: Uint8Array;
  /** IP MTU of the port (1500 on Ethernet); frames may carry 14 (+4 with 802.1Q) bytes more. */
  readonly mtu: number;
  linkUp(): boolean;
  /**
   * Queue one frame for transmission. The HAL copies it before returning, so the caller may reuse
   * the buffer at once. Returns false (and counts it) when the transmit queue is full: the frame
   * was not sent, and a sender that can wait (TFTP) tries again a little later.
   */
  send(frame: Uint8Array): boolean;
  /**
   * Set by the firmware. Called once per received frame. The view is only valid during the call
   * (the native runtime lends its receive ring); copy what must outlive it.
   */
  onFrame?: (frame: Uint8Array) => void;
  /** Called after a batch of onFrame calls: the place to flush work that batches well. */
  onBatchEnd?: () => void;
  onLinkChange?: (up: boolean) => void;
}

export type FlashKind = 'nor' | 'nand';

/** A raw flash partition. Offsets are bytes from the start of the partition. */
export interface Flash {
  readonly kind: FlashKind;
  readonly size: number;
  /** Erase granularity: 64 KiB on typical NOR, 128 KiB on typical SLC NAND. */
  readonly blockSize: number;
  /** Program granularity: 1 on NOR (byte-programmable), the page size (e.g. 2048) on NAND. */
  readonly programUnit: number;
  /** Value of an erased byte; always 0xff here. */
  readonly eraseValue: number;
  /** Read `into.length` bytes at `offset` into `into`. */
  read(offset: number, into: Uint8Array): Promise<SysError>;
  /**
   * Program `data` at `offset`. Programming can only clear bits. On NAND, offset and length must be
   * multiples of `programUnit` and each page may be programmed once between erases.
   * The HAL copies `data` before returning.
   */
  program(offset: number, data: Uint8Array): Promise<SysError>;
  /** Erase one block to `eraseValue`. May take a second; never blocks frame processing. */
  erase(block: number): Promise<SysError>;
  /** NAND: whether the block is marked bad (factory or runtime). Always false on NOR. */
  isBad(block: number): boolean;
  /** NAND: mark a block bad after it failed a program or erase. */
  markBad(block: number): Promise<SysError>;
}

/** The serial console: raw bytes both ways (the firmware does echo and line editing). */
export interface Console {
  write(bytes: Uint8Array): void;
  onInput?: (bytes: Uint8Array) => void;
}

export type TimerId = number;

/** The board as it is described in board/<name>.json, after validation. */
export interface BoardInfo {
  readonly name: string;
  readonly arch: string;
  readonly console: { readonly device: string; readonly baud: number };
  readonly memoryBudgetKiB: number;
  /** 'kernel': router mode, the HAL offers `net` and the kernel forwards; 'ports': the firmware forwards on raw ports. */
  readonly forwarding: 'kernel' | 'ports';
  /** Router mode: which flowtable offload the board's SoC supports. */
  readonly offload: 'none' | 'software' | 'hardware';
}

/**
 * Native versions of the byte loops the firmware runs most (every TFTP block: the UDP checksum and
 * the store's CRC-32). Optional: without them the firmware's own JavaScript runs, with the same
 * results. Both throw a RangeError when [start, end) is not inside `bytes`.
 */
export interface Kernels {
  /** `acc` plus the big-endian 16-bit words of bytes[start, end) (an odd last byte padded), unfolded. */
  sumWords(bytes: Uint8Array, start: number, end: number, acc: number): number;
  /** CRC-32 (IEEE) `crc` continued over bytes[start, end); start from 0. */
  crc32Update(crc: number, bytes: Uint8Array, start: number, end: number): number;
  /**
   * SHA-256 compression of bytes[start, end), a whole number of 64-byte blocks, into `state`: 32
   * bytes holding the chaining value big-endian (so after the padded last block, the digest).
   * Throws a RangeError for a range that is not whole blocks. Absent in runtimes built before it.
   */
  sha256Blocks?(state: Uint8Array, bytes: Uint8Array, start: number, end: number): void;
}

// ---- Router mode: the kernel owns the addresses and forwards; the firmware uses its sockets ----

/** One IPv4 address the kernel holds on an interface (from netlink). */
export interface KernelAddress {
  readonly ip: number;
  readonly prefixLength: number;
}

/** What a UDP socket was opened for. Checked before anything is acquired (ECMA-419). */
export interface UdpSocketOptions {
  /** The side whose kernel interface the socket is bound to (SO_BINDTODEVICE). */
  readonly side: PortName;
  /** Local port; 0 picks a free ephemeral port. */
  readonly port: number;
  /** Receive and send broadcasts (DHCP). */
  readonly broadcast?: boolean;
}

export interface UdpSocket {
  readonly side: PortName;
  readonly localPort: number;
  /**
   * Send one datagram (copied before returning). With `viaMac` the datagram goes to that MAC
   * without ARP, for a DHCP client that has no address yet (the runtime installs the neighbour
   * entry first, as dnsmasq does). Address 0xffffffff broadcasts on the socket's interface.
   * False when the kernel's queue is full (EAGAIN/ENOBUFS): nothing was sent; try again later.
   */
  send(payload: Uint8Array, address: number, port: number, viaMac?: Uint8Array): boolean;
  /**
   * Set by the firmware; called once per datagram. `payload` is valid only during the call.
   * `toAddress` is the packet's destination (IP_PKTINFO): 0xffffffff or a subnet broadcast for
   * broadcasts.
   */
  onReceive?: (payload: Uint8Array, fromAddress: number, fromPort: number, toAddress: number) => void;
  close(): void;
}

/** One phone with a live lease and a port block: the kernel keeps its ports and routes its block to it. */
export interface NatPhone {
  readonly ip: number;
  /** The lease's MAC: packets with the phone's address from another MAC are dropped as spoofed. */
  readonly mac: Uint8Array;
  readonly firstPort: number;
  /** Inclusive. */
  readonly lastPort: number;
}

/** Plugboard's whole NAT policy, declared; the runtime renders it as one nftables table. */
export interface NatTable {
  /** The WAN's address and prefix; undefined while the WAN has none (nothing is forwarded then). */
  readonly wan: KernelAddress | undefined;
  /** The LAN subnet the phones and guests live in. */
  readonly lan: KernelAddress;
  readonly phones: readonly NatPhone[];
  /** Ports for guests and out-of-block traffic; never overlaps a phone block. */
  readonly guestPool: { readonly firstPort: number; readonly lastPort: number };
  /** Ordinary NAPT (into the pool) for hosts without a block; false drops their traffic to the WAN. */
  readonly guests: boolean;
  /** A phone's TCP/UDP from a port outside its block: into the guest pool ('napt') or dropped. */
  readonly phoneOutsideBlock: 'napt' | 'drop';
  /** LAN hosts let hairpin through the public address to a phone's block. */
  readonly hairpin: boolean;
  /** Drop WAN packets from bogon sources (the WAN's own subnet excepted). */
  readonly dropBogons: boolean;
  /** Clamp TCP MSS to the WAN's path MTU. */
  readonly mssClamp: boolean;
  /** The WAN MTU the clamp derives from. */
  readonly wanMtu: number;
  readonly offload: 'none' | 'software' | 'hardware';
}

/** Per phone block and for the guest pool: what the kernel counted and how many flows it tracks. */
export interface NatCounters {
  readonly phones: readonly {
    readonly ip: number;
    readonly outPackets: number;
    readonly outBytes: number;
    readonly inPackets: number;
    readonly inBytes: number;
    readonly flows: number;
  }[];
  readonly guests: { readonly outPackets: number; readonly outBytes: number; readonly flows: number };
  /** Packets dropped by the table's policy (spoofed sources, bogons from the WAN), by reason. */
  readonly drops: Readonly<Record<string, number>>;
}

export interface NatApplyResult {
  readonly error: SysError;
  /** What the kernel said when it refused (nft's message), for the log. */
  readonly message?: string;
  /** Milliseconds the atomic replace took. */
  readonly elapsedMs: number;
}

/** Router mode's HAL capability. Present only on boards with `forwarding: "kernel"`. */
export interface KernelNet {
  /** The kernel interface names of the LAN and WAN (e.g. br-lan, wan). */
  readonly interfaces: { readonly lan: string; readonly wan: string };
  /** The IPv4 addresses the kernel holds on a side's interface, as last read from netlink. */
  addresses(side: PortName): readonly KernelAddress[];
  /** Set by the firmware; called (deferred) when a side's addresses changed. */
  onAddressChange?: (side: PortName) => void;
  /** Open a UDP socket; a SysError code when the port is taken (BUSY) or the options are bad (INVALID). */
  openUdp(options: UdpSocketOptions): UdpSocket | SysError;
  /** Replace Plugboard's nftables table with `table`, atomically (one transaction). */
  applyNat(table: NatTable): Promise<NatApplyResult>;
  /** Read the table's counters and the kernel's tracked flows per block. */
  natCounters(): Promise<NatCounters | SysError>;
  /** Remove Plugboard's table (shutdown): the kernel then forwards nothing for phones. */
  clearNat(): Promise<NatApplyResult>;
  /** ICMP echo from the router (console ping, DHCP's address probe): round trip ms, or undefined on timeout. */
  ping(address: number, timeoutMs: number): Promise<number | undefined>;
}

export interface Hal {
  readonly board: BoardInfo;
  readonly ports: { readonly lan: Port; readonly wan: Port };
  readonly flash: Flash;
  readonly console: Console;
  /** Monotonic milliseconds since boot (fractional allowed). */
  now(): number;
  /** Wall-clock milliseconds since the Unix epoch, or undefined when the board does not know it. */
  wallClock(): number | undefined;
  /** Run `callback` once, `delayMs` from now. The callback is always deferred. */
  setTimer(delayMs: number, callback: () => void): TimerId;
  clearTimer(id: TimerId): void;
  /** Fill `into` with random bytes (cryptographic quality on real boards; seeded in simulation). */
  randomFill(into: Uint8Array): void;
  /** Restart the firmware (the simulation keeps flash contents; a board reboots). */
  reboot(): void;
  readonly kernels?: Kernels;
  /** Router mode only (board.forwarding 'kernel'): kernel sockets, addresses and NAT. */
  readonly net?: KernelNet;
}
