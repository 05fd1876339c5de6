// Builds OFFER/ACK/NAK/INFORM-ACK messages: option order follows the client's parameter request
// list (55), then the options the server always sends; size follows option 57 (RFC 2132 §9.10).
import {
  BOOTREPLY, DEFAULT_MAX_MESSAGE, MessageType, Opt, chaddrOf, emitDhcp, type DhcpMessage, type DhcpOption,
} from '../wire/dhcp';
import { readU16Value, u32Value } from '../wire/dhcp-options';
import { encodeAscii } from '../util/text';

/** The largest reply we build: an Ethernet MTU minus IP and UDP headers. */
export const MAX_REPLY = 1472;

export interface ReplyPlan {
  readonly type: number;
  readonly request: DhcpMessage;
  readonly serverIp: number;
  readonly yiaddr: number;
  readonly siaddr: number;
  readonly file?: string;
  /** Options the client may get; sent when listed in 55 (in that order) or when in `always`. */
  readonly offered: ReadonlyMap<number, Uint8Array>;
  readonly always: readonly number[];
  readonly leaseSeconds?: number;
  readonly message?: string;
}

/** The size the client accepts (option 57, at least 576 - 28), capped at MAX_REPLY. */
export function replySizeLimit(request: DhcpMessage): number {
  const max = readU16Value(request.options.get(Opt.MAX_MESSAGE_SIZE));
  if (max === undefined || max < 576) return DEFAULT_MAX_MESSAGE;
  return Math.min(max - 28, MAX_REPLY);
}

export function buildReply(plan: ReplyPlan): { bytes: Uint8Array; dropped: readonly number[] } {
  const { request } = plan;
  const options: DhcpOption[] = [
    { code: Opt.MESSAGE_TYPE, value: Uint8Array.of(plan.type) },
    { code: Opt.SERVER_ID, value: u32Value(plan.serverIp) },
  ];
  if (plan.leaseSeconds !== undefined) {
    options.push({ code: Opt.LEASE_TIME, value: u32Value(plan.leaseSeconds) });
    // T1 = 0.5, T2 = 0.875 of the lease (RFC 2131 §4.4.5).
    options.push({ code: Opt.RENEWAL_TIME, value: u32Value(Math.floor(plan.leaseSeconds / 2)) });
    options.push({ code: Opt.REBINDING_TIME, value: u32Value(Math.floor((plan.leaseSeconds * 7) / 8)) });
  }
  const clientId = request.options.get(Opt.CLIENT_ID);
  if (clientId) options.push({ code: Opt.CLIENT_ID, value: clientId }); // RFC 6842: echo it
  if (plan.message) options.push({ code: Opt.MESSAGE, value: encodeAscii(plan.message) });
  const sent = new Set<number>(options.map((option) => option.code));
  const requested = request.options.get(Opt.PARAMETER_LIST);
  if (requested) {
    for (const code of requested) {
      const value = plan.offered.get(code);
      if (value && !sent.has(code)) {
        options.push({ code, value });
        sent.add(code);
      }
    }
  }
  for (const code of plan.always) {
    const value = plan.offered.get(code);
    if (value && !sent.has(code)) {
      options.push({ code, value });
      sent.add(code);
    }
  }
  const limit = replySizeLimit(request);
  const buffer = new Uint8Array(limit);
  const { length, dropped } = emitDhcp(
    {
      op: BOOTREPLY,
      htype: request.htype,
      hlen: request.hlen,
      xid: request.xid,
      flags: request.flags,
      ciaddr: plan.type === MessageType.ACK ? request.ciaddr : 0, // RFC 2131 table 3
      yiaddr: plan.yiaddr,
      siaddr: plan.siaddr,
      giaddr: request.giaddr,
      chaddr: chaddrOf(request),
      file: plan.file !== undefined ? encodeAscii(plan.file) : undefined,
      options,
    },
    buffer,
    limit,
  );
  return { bytes: buffer.subarray(0, length), dropped };
}
