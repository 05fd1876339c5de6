// Real frames captured with tcpdump -xx on a veth pair between two Linux 6.x network namespaces
// (192.168.7.10 at 7e:e1:21:e1:d3:41 -> 192.168.7.1 at ba:30:99:f4:5a:f5, TX offload off so the
// checksums are the kernel's finished ones). Shared by the wire and stack tests.

export function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, '');
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

export const HOST_MAC = hex('7ee121e1d341');
export const PEER_MAC = hex('ba3099f45af5');
export const HOST_IP = 0xc0a8070a; // 192.168.7.10
export const PEER_IP = 0xc0a80701; // 192.168.7.1

/** ARP, Request who-has 192.168.7.1 tell 192.168.7.10 (42 bytes: veth does not pad). */
export const ARP_REQUEST = hex(`
  ffff ffff ffff 7ee1 21e1 d341 0806 0001
  0800 0604 0001 7ee1 21e1 d341 c0a8 070a
  0000 0000 0000 c0a8 0701`);

/** ARP, Reply 192.168.7.1 is-at ba:30:99:f4:5a:f5. */
export const ARP_REPLY = hex(`
  7ee1 21e1 d341 ba30 99f4 5af5 0806 0001
  0800 0604 0002 ba30 99f4 5af5 c0a8 0701
  7ee1 21e1 d341 c0a8 070a`);

/** busybox ping -s 16: ICMP echo request, id 11901, seq 0. */
export const ICMP_ECHO_REQUEST = hex(`
  ba30 99f4 5af5 7ee1 21e1 d341 0800 4500
  002c 5233 4000 4001 5942 c0a8 070a c0a8
  0701 0800 5059 2e7d 0000 7ae7 fe41 0000
  0000 0000 0000 0000 0000`);

/** The kernel's echo reply to it. */
export const ICMP_ECHO_REPLY = hex(`
  7ee1 21e1 d341 ba30 99f4 5af5 0800 4500
  002c 13df 0000 4001 d796 c0a8 0701 c0a8
  070a 0000 5859 2e7d 0000 7ae7 fe41 0000
  0000 0000 0000 0000 0000`);

/** busybox nslookup: UDP 36090 -> 53, DNS query A? example.com, DF set. */
export const UDP_DNS_QUERY = hex(`
  ba30 99f4 5af5 7ee1 21e1 d341 0800 4500
  0039 ef73 4000 4011 bbe4 c0a8 070a c0a8
  0701 8cfa 0035 0025 9893 7b17 0100 0001
  0000 0000 0000 0765 7861 6d70 6c65 0363
  6f6d 0000 0100 01`);

/** The kernel's ICMP port unreachable for that query: TOS 0xc0, quotes the whole datagram. */
export const ICMP_PORT_UNREACHABLE = hex(`
  7ee1 21e1 d341 ba30 99f4 5af5 0800 45c0
  0055 11d4 0000 4001 d8b8 c0a8 0701 c0a8
  070a 0303 8c8f 0000 0000 4500 0039 ef73
  4000 4011 bbe4 c0a8 070a c0a8 0701 8cfa
  0035 0025 9893 7b17 0100 0001 0000 0000
  0000 0765 7861 6d70 6c65 0363 6f6d 0000
  0100 01`);

/** curl: TCP SYN 58204 -> 8080, options [mss 1460,sackOK,TS val 2750782962 ecr 0,nop,wscale 10]. */
export const TCP_SYN = hex(`
  ba30 99f4 5af5 7ee1 21e1 d341 0800 4500
  003c a0f9 4000 4006 0a67 c0a8 070a c0a8
  0701 e35c 1f90 f456 3f69 0000 0000 a002
  faf0 451b 0000 0204 05b4 0402 080a a3f5
  9df2 0000 0000 0103 030a`);

export const ALL_FIXTURES: Record<string, Uint8Array> = {
  ARP_REQUEST,
  ARP_REPLY,
  ICMP_ECHO_REQUEST,
  ICMP_ECHO_REPLY,
  UDP_DNS_QUERY,
  ICMP_PORT_UNREACHABLE,
  TCP_SYN,
};

/** Insert an 802.1Q tag (TPID 0x8100) after the source MAC. */
export function withVlanTag(frame: Uint8Array, vid: number, pcp = 0): Uint8Array {
  const tagged = new Uint8Array(frame.length + 4);
  tagged.set(frame.subarray(0, 12), 0);
  tagged[12] = 0x81;
  tagged[13] = 0x00;
  const tci = (pcp << 13) | vid;
  tagged[14] = tci >>> 8;
  tagged[15] = tci & 0xff;
  tagged.set(frame.subarray(12), 16);
  return tagged;
}
