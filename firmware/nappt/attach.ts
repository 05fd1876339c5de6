// Wires a forwarder into a running firmware: the stack's forward hook for transit frames, and a
// first look at WAN frames sent to the public address (the stack would take every one of those as
// its own; the forwarder claims those of phone blocks, NAPT mappings, fragments and TCP).
import type { Port } from '../../hal/hal';
import type { Stack } from '../stack/types';
import type { NapptForwarder } from './forwarder';

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_VLAN = 0x8100;

/** Offset of the IPv4 header in an untagged or single-tagged frame, or 0 when it carries no IPv4. */
export function ipv4Offset(frame: Uint8Array): number {
  if (frame.length < 18) return 0;
  const type = (frame[12] << 8) | frame[13];
  if (type === ETHERTYPE_IPV4) return 14;
  if (type === ETHERTYPE_VLAN && frame.length >= 22 && ((frame[16] << 8) | frame[17]) === ETHERTYPE_IPV4) return 18;
  return 0;
}

/** Attach after createStack (which sets the port's onFrame). Returns a function that detaches. */
export function attachForwarder(wanPort: Port, stack: Pick<Stack, 'setForwardHook'>, forwarder: NapptForwarder): () => void {
  stack.setForwardHook(forwarder.hook);
  const stackOnFrame = wanPort.onFrame;
  wanPort.onFrame = (frame: Uint8Array): void => {
    const ip = ipv4Offset(frame);
    if (ip !== 0 && forwarder.claimsInbound(frame, ip)) {
      forwarder.hook('wan', frame, ip);
      return;
    }
    stackOnFrame?.(frame);
  };
  return () => {
    wanPort.onFrame = stackOnFrame;
    stack.setForwardHook(undefined);
  };
}
