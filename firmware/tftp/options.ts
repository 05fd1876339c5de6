// Option negotiation (RFC 2347 OACK; blksize 2348; tsize and timeout 2349; windowsize 7440; the
// tftp-hpa `rollover` extension). Unknown options are ignored; impossible values are refused (error 8).
import { parseOptionNumber, type Options } from '../wire/tftp';
import type { RolloverTo } from './blockNumbers';
import type { TftpLimits, TransferParams } from './params';

export interface Negotiated {
  readonly params: TransferParams;
  /** The accepted options to send in an OACK; undefined when none was accepted (plain RFC 1350). */
  readonly oack: Options | undefined;
  /** WRQ: the size the client announced with tsize. */
  readonly announcedSize: number | undefined;
}
export interface Refused {
  readonly refused: string;
}

export interface NegotiationInput {
  readonly write: boolean;
  readonly options: Options;
  readonly limits: TftpLimits;
  /** The largest block that fits one LAN frame (MTU - 32), already merged with limits.maxBlockSize. */
  readonly blockCap: number;
  /** RRQ: the size to report for tsize, or undefined when it cannot be known cheaply (netascii). */
  readonly size: number | undefined;
}

export function negotiate(input: NegotiationInput): Negotiated | Refused {
  const { limits } = input;
  let blockSize = 512;
  let windowSize = 1;
  let timeoutMs = limits.defaultTimeoutMs;
  let rolloverTo: RolloverTo = limits.rolloverTo;
  let announcedSize: number | undefined;
  const accepted: { name: string; value: string }[] = [];
  for (const { name, value } of input.options) {
    switch (name) {
      case 'blksize': {
        const n = parseOptionNumber(value, 8, 65464);
        if (n === undefined) return { refused: `blksize ${value} outside 8-65464` };
        blockSize = Math.min(n, input.blockCap);
        accepted.push({ name, value: String(blockSize) });
        break;
      }
      case 'tsize': {
        const n = parseOptionNumber(value, 0, 2 ** 40);
        if (n === undefined) return { refused: `tsize ${value} is not a size` };
        if (input.write) {
          announcedSize = n;
          accepted.push({ name, value: String(n) });
        } else if (input.size !== undefined) {
          accepted.push({ name, value: String(input.size) });
        }
        break;
      }
      case 'timeout': {
        const n = parseOptionNumber(value, 1, 255);
        // Declined, not refused: some clients send milliseconds here (the npm `tftp` client's
        // "timeout 3000"); left out of the OACK, the client keeps its own timer and the rest stands.
        if (n === undefined) break;
        timeoutMs = n * 1000;
        accepted.push({ name, value: String(n) });
        break;
      }
      case 'windowsize': {
        if (input.write) break; // uploads run lock-step; not acknowledging it keeps the client at 1
        const n = parseOptionNumber(value, 1, 65535);
        if (n === undefined) return { refused: `windowsize ${value} outside 1-65535` };
        windowSize = Math.min(n, limits.maxWindowSize);
        accepted.push({ name, value: String(windowSize) });
        break;
      }
      case 'rollover': {
        if (value !== '0' && value !== '1') return { refused: `rollover ${value} is not 0 or 1` };
        rolloverTo = value === '0' ? 0 : 1;
        accepted.push({ name, value });
        break;
      }
      default:
        break; // RFC 2347: options the server does not know are ignored
    }
  }
  return {
    params: {
      blockSize,
      windowSize,
      timeoutMs,
      maxTimeoutMs: Math.max(limits.maxTimeoutMs, timeoutMs),
      maxRetries: limits.maxRetries,
      rolloverTo,
      readAhead: limits.readAhead,
    },
    oack: accepted.length > 0 ? accepted : undefined,
    announcedSize,
  };
}
