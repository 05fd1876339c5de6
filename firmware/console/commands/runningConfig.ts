// `show running-config`: the configuration as commands that, pasted into a fresh router, rebuild it.
// Wrapped in `configure` ... `end` so cross-key rules are checked once, on the whole result.
// The password hash is printed only when asked for: a printout or a pasted copy should not carry it.
import { CONFIG_KEYS } from '../../config/schema';
import { DEFAULT_CONFIG, phoneClassKey, type PhoneClass, type RouterConfig } from '../../config/model';
import { quoteIfNeeded } from '../../config/valueTypes';

const SECRET_KEY = 'console.password-hash';
export const WITH_PASSWORD = 'with-password';

export function runningConfigLines(config: RouterConfig, hostname: string, withPassword = false): string[] {
  const lines = [`! ${hostname} running configuration`, 'configure'];
  for (const def of CONFIG_KEYS) {
    if (!Object.prototype.hasOwnProperty.call(config.values, def.key)) continue;
    if (def.key === SECRET_KEY && !withPassword) lines.push(`! ${SECRET_KEY} is set; 'show running-config ${WITH_PASSWORD}' prints it`);
    else lines.push(`set ${def.key} ${def.type.format(config.values[def.key])}`);
  }
  lines.push(...phoneClassChanges(config.phoneClasses, DEFAULT_CONFIG.phoneClasses));
  lines.push('end');
  return lines;
}

export function phoneClassLines(c: PhoneClass): string[] {
  const p = `phone-class ${c.name}`;
  const lines = [p];
  for (const pattern of c.vendorClasses) lines.push(`${p} vendor-class ${quoteIfNeeded(pattern)}`);
  for (const mac of c.macs) lines.push(`${p} mac ${mac}`);
  lines.push(`${p} block-size ${2 ** (16 - c.psidLength)}`);
  if (c.bootFile !== '') lines.push(`${p} boot-file ${quoteIfNeeded(c.bootFile)}`);
  if (c.template !== undefined) lines.push(`${p} template ${quoteIfNeeded(c.template)}`);
  if (c.sendPortParams !== 'requested') lines.push(`${p} port-params ${c.sendPortParams}`);
  if (c.portRangeSubOptions) lines.push(`${p} port-suboptions ${c.portRangeSubOptions.first} ${c.portRangeSubOptions.last}`);
  for (const option of c.options) {
    lines.push(option.text !== undefined ? `${p} option ${option.code} text ${quoteIfNeeded(option.text)}` : `${p} option ${option.code} hex ${option.hex}`);
  }
  for (const key of Object.keys(c.vars)) lines.push(`${p} var ${key} ${quoteIfNeeded(c.vars[key])}`);
  return lines;
}

/**
 * Commands that turn the built-in class list into `current`: the built-ins kept unchanged (in
 * order) stay, the others are removed with `no phone-class`, and every other class is defined in
 * full, in order, after them (a changed built-in is removed, then defined again).
 */
export function phoneClassChanges(current: readonly PhoneClass[], builtIn: readonly PhoneClass[]): string[] {
  const kept: string[] = [];
  let next = 0; // built-ins before this index can no longer be kept in order
  let prefix = 0;
  for (const c of current) {
    const at = builtIn.findIndex((b, i) => i >= next && b.name === c.name && phoneClassKey(b) === phoneClassKey(c));
    if (at < 0) break;
    kept.push(c.name);
    next = at + 1;
    prefix++;
  }
  const lines = builtIn.filter((b) => !kept.includes(b.name)).map((b) => `no phone-class ${b.name}`);
  for (const c of current.slice(prefix)) lines.push(...phoneClassLines(c));
  return lines;
}
