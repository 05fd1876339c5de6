// The DHCP server's defaults: the ready-made phone classes (what each vendor's phones send, and how
// sure we are of it) and the configuration a router starts with.
import type { DhcpConfig, PhoneClass } from './config';

/** Ready-made phone classes. Strings marked [mem] in the research notes are 'medium' or 'low'. */
export const PHONE_CLASSES: readonly PhoneClass[] = [
  {
    name: 'cisco',
    confidence: 'medium',
    note:
      'Enterprise phones send "Cisco Systems, Inc. IP Phone CP-<model>", MPP/SPA send model strings ' +
      'such as "Cisco SPA504G" (remembered, not checked against a Cisco guide). Cisco reads option 150 first.',
    macs: [],
    vendorClasses: ['prefix:Cisco Systems, Inc. IP Phone', 'prefix:Cisco SPA', 'prefix:Cisco CP-'],
    psidLength: 10,
    bootFile: 'XMLDefault.cnf.xml',
    template: 'SEP{MAC}.cnf.xml',
    sendPortParams: 'requested',
    options: [],
    vars: {},
  },
  {
    name: 'polycom',
    confidence: 'high',
    note:
      'Polycom/Poly send option 60 as binary RFC 3925 data: enterprise 13885 (00 00 36 3D) then ' +
      'sub-options 1 "Polycom", 2 model, 3 part number, 4 app version (read in the Polycom admin guide). ' +
      'RTP pool is 48 (voice) or 96 (video) ports: blocks of 128.',
    macs: [],
    vendorClasses: ['hex:0000363d', 'enterprise:13885', 'prefix:Polycom'],
    psidLength: 9,
    bootFile: '000000000000.cfg',
    template: '{mac}.cfg',
    sendPortParams: 'requested',
    options: [],
    vars: {},
  },
  {
    name: 'yealink',
    confidence: 'medium',
    note: 'Legacy default option 60 is "yealink" (a third-party dhcpd.conf matches the substring); newer firmware may send a model string containing it.',
    macs: [],
    vendorClasses: ['contains:yealink'],
    psidLength: 10,
    bootFile: 'y000000000000.cfg',
    template: '{mac}.cfg',
    sendPortParams: 'requested',
    options: [],
    vars: {},
  },
  {
    name: 'grandstream',
    confidence: 'low',
    note: 'Option 60 "Grandstream <model> dslforum.org" is remembered, not verified.',
    macs: [],
    vendorClasses: ['prefix:Grandstream'],
    psidLength: 10,
    bootFile: 'cfg.xml',
    template: 'cfg{mac}.xml',
    sendPortParams: 'requested',
    options: [],
    vars: {},
  },
  {
    name: 'snom',
    confidence: 'low',
    note: 'Option 60 "snom<model>" is remembered; the OUI 00:04:13 is read (a dhcpd.conf class) and can be added to macs.',
    macs: [],
    vendorClasses: ['prefix:snom'],
    psidLength: 10,
    bootFile: 'snom.htm',
    template: 'snom-{MAC}.htm',
    sendPortParams: 'requested',
    options: [],
    vars: {},
  },
  {
    name: 'avaya',
    confidence: 'low',
    note:
      'Option 60 "ccp.avaya.com" is remembered, not verified. Avaya reads site option 242 ' +
      '(NAME=value,...) and rejects an offer without option 51 (read: Avaya 9600 admin guide).',
    macs: [],
    vendorClasses: ['exact:ccp.avaya.com', 'prefix:Avaya'],
    psidLength: 10,
    bootFile: '96x1Supgrade.txt',
    template: '46xxsettings.txt',
    sendPortParams: 'requested',
    options: [],
    vars: {},
  },
];

export const DEFAULT_DHCP_CONFIG: DhcpConfig = {
  enabled: true,
  pool: { first: '192.168.1.100', last: '192.168.1.199' },
  guestPool: { first: '192.168.1.200', last: '192.168.1.249' },
  leaseTime: 3600,
  guestLeaseTime: 3600,
  offerHold: 30,
  unknownClients: 'guest',
  reservations: [],
  reservedPorts: [{ first: 1024, last: 16383 }],
  dns: [],
  ntp: [],
  router: 'auto',
  tftpServer: 'auto',
  rogueProbeInterval: 300,
  rogueServerPolicy: 'warn',
  blockQuarantine: 120,
  declineQuarantine: 3600,
  probeNewAddresses: true,
  probeTimeoutMs: 500,
  maxOutstandingOffers: 64,
  perMacBurst: 8,
  perMacPerMinute: 30,
  classes: PHONE_CLASSES,
};
