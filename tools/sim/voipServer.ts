// The WAN side of `npm start`: one host that is the ISP gateway and a SIP/media server. It answers
// every SIP request with a SIP-sized 200 OK and echoes RTP back to the address and port it came
// from, which is the phone's public address and (NAPPT preserving it) the phone's own port.
import type { SimHost, ReceivedUdp } from '../../hal/sim/host';
import { decodeAscii } from '../../firmware/util/text';
import { sipMessage } from './phone';
import { ipToString } from '../../firmware/util/ipv4';

export interface ServerStats {
  sipRequests: number;
  rtpIn: number;
  rtpOut: number;
  /** Source addresses seen (the router's public address only, if NAT works). */
  readonly sources: Set<number>;
  /** Public source ports seen on SIP: one per phone when ports are preserved. */
  readonly sipPorts: Set<number>;
}

export class VoipServer {
  readonly stats: ServerStats = { sipRequests: 0, rtpIn: 0, rtpOut: 0, sources: new Set(), sipPorts: new Set() };

  constructor(readonly host: SimHost) {
    host.onUdp = (datagram) => this.onUdp(datagram);
  }

  private onUdp(d: ReceivedUdp): void {
    this.stats.sources.add(d.srcIp);
    if (d.dstPort === 5060) {
      this.stats.sipRequests++;
      this.stats.sipPorts.add(d.srcPort);
      const method = decodeAscii(d.payload, 0, Math.min(d.payload.length, 16)).split(' ')[0];
      this.host.sendUdp(d.srcIp, 5060, d.srcPort, sipMessage(`SIP/2.0 200 OK (${method})`, method === 'INVITE' ? 800 : 380, `${ipToString(d.srcIp)}:${d.srcPort}`));
      return;
    }
    if (d.dstPort >= 40000) {
      this.stats.rtpIn++;
      this.stats.rtpOut++;
      this.host.sendUdp(d.srcIp, d.dstPort, d.srcPort, d.payload.slice());
    }
  }
}
