// Request names: what a client may ask for. The store is a flat index of item names with no path
// semantics, so a name only ever becomes a store lookup; these rules refuse what looks like an
// attempt to escape anyway (and what no phone sends), with a TFTP error code to answer.
import { TftpError } from '../wire/tftp';
import { matchProvisioningName } from './provisioning';

export const MAX_NAME_LENGTH = 128;
/** Store items under this prefix are provisioning templates: rendered, never served raw. */
export const TEMPLATE_ITEM_PREFIX = 'template:';

export type NameCheck =
  | { readonly ok: true; readonly name: string }
  | { readonly ok: false; readonly code: TftpError; readonly reason: string };

const refuse = (code: TftpError, reason: string): NameCheck => ({ ok: false, code, reason });

/**
 * A request name. Reads may never name a template item (templates are rendered, never served raw);
 * an upload may write one (`template:snom`), since only the owner's window lets it in.
 */
export function checkName(raw: string, purpose: 'read' | 'write' = 'read'): NameCheck {
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
  if (purpose === 'read' && name.toLowerCase().startsWith(TEMPLATE_ITEM_PREFIX)) return refuse(TftpError.ACCESS_VIOLATION, 'template-item');
  return { ok: true, name };
}

/**
 * A name an upload may be stored under: the rules of checkName, and not a provisioning file name
 * (those are rendered per phone, an upload there would never be served). The console checks a
 * window's name with this too, so a window never waits for a name no upload could use.
 */
export function checkUploadName(raw: string): NameCheck {
  const checked = checkName(raw, 'write');
  if (!checked.ok) return checked;
  if (matchProvisioningName(checked.name)) return refuse(TftpError.ACCESS_VIOLATION, 'provisioning-name');
  return checked;
}

/** What a refusal reason means, for the console. */
export const NAME_REFUSALS: Readonly<Record<string, string>> = {
  'empty-name': 'the name is empty',
  'name-too-long': `names are at most ${MAX_NAME_LENGTH} characters`,
  'bad-character': 'only printable ASCII without spaces',
  backslash: 'no backslashes',
  'absolute-path': 'no absolute paths',
  'dot-segment': "no '.', '..' or empty path segments",
  'template-item': 'template items are rendered, never read raw',
  'provisioning-name': 'provisioning file names are rendered per phone, not uploaded',
};
