// Per-phone provisioning files: which request names are rendered, for which phone, from which
// template, with which variables. A phone is found by its source address in the lease table and
// may only read its own MAC's file (configs carry SIP credentials; protocols.md 5.3 and 8.2).
import type { LeaseInfo } from '../dhcp/types';
import { ipToString } from '../util/ipv4';
import { macEquals, macToString } from '../util/mac';
import type { TemplateId } from './templates';

export interface ProvisioningName {
  /** 'by-class': <mac>.cfg is Polycom's master or Yealink's file, the lease's class decides. */
  readonly template: TemplateId | 'by-class';
  /** The MAC the name carries; undefined for a shared fallback name (rendered for the requester). */
  readonly mac: Uint8Array | undefined;
}

const hexMac = (hex: string): Uint8Array => {
  const mac = new Uint8Array(6);
  for (let i = 0; i < 6; i++) mac[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return mac;
};

/** Order matters: the all-zero Polycom master is a fallback, not the MAC 00:00:00:00:00:00. */
const PATTERNS: ReadonlyArray<{ readonly re: RegExp; readonly template: TemplateId | 'by-class'; readonly carriesMac: boolean }> = [
  { re: /^SEP([0-9A-Fa-f]{12})\.cnf\.xml$/, template: 'cisco', carriesMac: true },
  { re: /^XMLDefault\.cnf\.xml$/, template: 'cisco', carriesMac: false },
  { re: /^000000000000\.cfg$/, template: 'polycom-master', carriesMac: false },
  { re: /^([0-9A-Fa-f]{12})-plugboard\.cfg$/, template: 'polycom', carriesMac: true },
  { re: /^([0-9A-Fa-f]{12})\.cfg$/, template: 'by-class', carriesMac: true },
  { re: /^y0000000000[0-9A-Za-z]{2}\.cfg$/, template: 'yealink', carriesMac: false },
  { re: /^cfg([0-9A-Fa-f]{12})\.xml$/, template: 'grandstream', carriesMac: true },
  { re: /^cfg\.xml$/, template: 'grandstream', carriesMac: false },
];

export function matchProvisioningName(name: string): ProvisioningName | undefined {
  for (const p of PATTERNS) {
    const m = p.re.exec(name);
    if (m) return { template: p.template, mac: p.carriesMac ? hexMac(m[1]) : undefined };
  }
  return undefined;
}

export type Resolution =
  | { readonly ok: true; readonly template: TemplateId }
  | { readonly ok: false; readonly code: 1 | 2; readonly reason: string };

/** Which template serves `match` to the phone holding `lease` (undefined: no lease for the source). */
export function resolveTemplate(match: ProvisioningName, lease: LeaseInfo | undefined): Resolution {
  if (!lease) return { ok: false, code: 1, reason: 'no-lease' };
  if (match.mac && !macEquals(match.mac, 0, lease.mac)) return { ok: false, code: 2, reason: 'other-mac' };
  if (!lease.block) return { ok: false, code: 2, reason: 'no-port-block' };
  if (match.template !== 'by-class') return { ok: true, template: match.template };
  const family = (lease.vars.template ?? lease.phoneClass ?? '').toLowerCase();
  if (family.includes('polycom')) return { ok: true, template: 'polycom-master' };
  if (family.includes('yealink')) return { ok: true, template: 'yealink' };
  return { ok: false, code: 1, reason: 'no-template-for-class' };
}

/**
 * The variables a template sees. Class vars come first so they can never override what identifies
 * the phone (mac, ip, its ports). sip_port is the block's first port, RTP uses the rest: the first
 * even port after it up to the block's last port.
 */
export function provisioningVars(lease: LeaseInfo, tftpServer: number | undefined, publicIp: number | undefined): Record<string, string> {
  const vars: Record<string, string> = { ...lease.vars };
  const plain = macToString(lease.mac).replace(/:/g, '');
  vars.mac = plain;
  vars.MAC = plain.toUpperCase();
  vars.mac_colon = macToString(lease.mac);
  vars.ip = ipToString(lease.ip);
  if (lease.block) {
    vars.port_min = String(lease.block.first);
    vars.port_max = String(lease.block.last);
    vars.sip_port = String(lease.block.first);
    vars.rtp_min = String(lease.block.first + 2 - (lease.block.first % 2));
    vars.rtp_max = String(lease.block.last);
  }
  if (publicIp !== undefined) vars.public_ip = ipToString(publicIp);
  else delete vars.public_ip;
  if (tftpServer !== undefined) vars.tftp_server = ipToString(tftpServer);
  vars.boot_file = lease.bootFile ?? '';
  // The firmware is the class's boot file (what DHCP told the phone to fetch) unless the class names
  // another with `var firmware`. Without either there is no URL at all, and templates leave the line
  // out: tftp://<router>/ would send the phone after a file that does not exist.
  const firmware = lease.vars.firmware || lease.bootFile || '';
  vars.firmware = firmware;
  vars.firmware_load = firmware.replace(/\.loads$/i, '');
  vars.firmware_url = firmware && vars.tftp_server ? `tftp://${vars.tftp_server}/${firmware}` : '';
  return vars;
}

/**
 * The file name a class's pattern gives this phone: `{mac}` is its MAC in lower-case hex, `{MAC}` in
 * upper case (`snom-{MAC}.htm` -> snom-000413AABBCC.htm); a pattern without either names one file
 * for every phone of the class (`46xxsettings.txt`).
 */
export function classFileName(pattern: string, mac: Uint8Array): string {
  const plain = macToString(mac).replace(/:/g, '');
  return pattern.split('{mac}').join(plain).split('{MAC}').join(plain.toUpperCase());
}
