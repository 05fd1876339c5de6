// Request names: what a client may ask for. The store is a flat index of item names with no path
// semantics, so a name only ever becomes a store lookup; these rules refuse what looks like an
// attempt to escape anyway (and what no phone sends), with a TFTP error code to answer.
import { TftpError } from '../wire/tftp';

export const MAX_NAME_LENGTH = 128;
/** Store items under this prefix are provisioning templates: rendered, never served raw. */
export const TEMPLATE_ITEM_PREFIX = 'template:';

export type NameCheck =
  | { readonly ok: true; readonly name: string }
  | { readonly ok: false; readonly code: TftpError; readonly reason: string };

const refuse = (code: TftpError, reason: string): NameCheck => ({ ok: false, code, reason });

export function checkName(raw: string): NameCheck {
  // One leading '/' is ignored ("/phone.bin" is "phone.bin"); more is not a name a phone sends.
  const name = raw.startsWith('/') ? raw.slice(1) : raw;
  if (name.length === 0) return refuse(TftpError.FILE_NOT_FOUND, 'empty-name');
  if (name.length > MAX_NAME_LENGTH) return refuse(TftpError.FILE_NOT_FOUND, 'name-too-long');
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return refuse(TftpError.ACCESS_VIOLATION, 'bad-character');
  }
  if (name.includes('\\')) return refuse(TftpError.ACCESS_VIOLATION, 'backslash');
  if (name.startsWith('/')) return refuse(TftpError.ACCESS_VIOLATION, 'absolute-path');
  for (const segment of name.split('/')) {
    if (segment === '..' || segment === '.' || segment === '') return refuse(TftpError.ACCESS_VIOLATION, 'dot-segment');
  }
  if (name.toLowerCase().startsWith(TEMPLATE_ITEM_PREFIX)) return refuse(TftpError.ACCESS_VIOLATION, 'template-item');
  return { ok: true, name };
}
