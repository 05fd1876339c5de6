// Frame helpers the frame-level fuzz targets share: re-sealing the IPv4 and transport checksums of a
// mutated frame, so that half the mutations get past the checksum checks into the code below them.
import { fillIcmpChecksum, fillIpv4Checksum, fillTcpChecksum, fillUdpChecksum } from '../../../firmware/wire';

const readU32 = (b: Uint8Array, at: number): number => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;

/** Fill in the checksums of the IPv4 packet at `ip` wherever its header and lengths allow it. */
export function reseal(frame: Uint8Array, ip = frame[12] === 0x81 ? 18 : 14): void {
  const ihl = (frame[ip] & 0x0f) * 4;
  if (frame.length < ip + 20 || ihl < 20 || frame.length < ip + ihl) return;
  fillIpv4Checksum(frame, ip);
  const total = (frame[ip + 2] << 8) | frame[ip + 3];
  const end = Math.min(frame.length, ip + total);
  const l4 = ip + ihl;
  if (end - l4 < 8 || ((frame[ip + 6] & 0x1f) | frame[ip + 7]) !== 0) return; // a later fragment has no header
  const src = readU32(frame, ip + 12);
  const dst = readU32(frame, ip + 16);
  const protocol = frame[ip + 9];
  if (protocol === 1) fillIcmpChecksum(frame, l4, end);
  else if (protocol === 17) {
    const udpLength = (frame[l4 + 4] << 8) | frame[l4 + 5];
    if (udpLength >= 8 && l4 + udpLength <= end) fillUdpChecksum(frame, l4, src, dst);
  } else if (protocol === 6 && end - l4 >= 20) fillTcpChecksum(frame, l4, end - l4, src, dst);
}
