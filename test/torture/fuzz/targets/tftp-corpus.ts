// Valid TFTP packets the TFTP targets mutate: reads of images and provisioning files with every
// option (blksize, tsize, timeout, windowsize) in both modes, writes, DATA, ACK, ERROR, OACK, and
// the names a hostile client tries (.., absolute, backslashes, %2e, NUL, 1,000 bytes).
import { Opcode, buildAck, buildData, buildError, buildOack, buildRequest } from '../../../../firmware/wire/tftp';
import type { Seed } from '../mutate';

export const IMAGES = ['phone.bin', 'yealink/t46s.rom', 'big.rom'];
const NAMES = [...IMAGES, '001565100000.cfg', 'SEP001565100001.cnf.xml', 'y000000000028.cfg', 'cfg001565100002.xml', 'template:yealink'];
const HOSTILE = ['../etc/passwd', '/etc/passwd', '..\\..\\boot.ini', '%2e%2e/%2e%2e/x', 'a\u0000b', 'x'.repeat(1000), '', '.', 'images/../../x'];
const OPTIONS = [
  [],
  [{ name: 'blksize', value: '1468' }, { name: 'tsize', value: '0' }],
  [{ name: 'blksize', value: '8' }, { name: 'windowsize', value: '16' }, { name: 'timeout', value: '1' }],
  [{ name: 'blksize', value: '65464' }, { name: 'windowsize', value: '65535' }, { name: 'timeout', value: '255' }, { name: 'tsize', value: '99999999999' }],
  [{ name: 'BLKSIZE', value: '-1' }, { name: 'rollover', value: '0' }, { name: 'unknown', value: 'x' }],
];

export function tftpSeeds(): Seed[] {
  const out: Uint8Array[] = [];
  for (const name of NAMES) for (const options of OPTIONS) out.push(buildRequest(Opcode.RRQ, name, options.length % 2 ? 'netascii' : 'octet', options));
  for (const name of HOSTILE) out.push(buildRequest(Opcode.RRQ, name, 'octet'), buildRequest(Opcode.WRQ, name, 'octet'));
  for (const options of OPTIONS) out.push(buildRequest(Opcode.WRQ, 'upload.bin', 'octet', [...options, { name: 'tsize', value: '3000' }]));
  for (const block of [0, 1, 2, 65535]) out.push(buildAck(block), buildData(block, new Uint8Array(block === 1 ? 512 : 100).fill(0x5a)));
  out.push(buildError(0, 'bye'), buildError(8, 'option refused'), buildOack([{ name: 'blksize', value: '1468' }]));
  // A request whose option list never ends, and one with its mode cut off.
  out.push(Uint8Array.of(0, 1, 0x61, 0, 0x6f, 0x63, 0x74, 0x65, 0x74, 0, 0x62, 0x6c, 0x6b), Uint8Array.of(0, 2, 0x61, 0));
  return out.map((bytes) => ({ bytes, shape: { lengthFields: [[0, 2], [2, 2]] as const } }));
}
