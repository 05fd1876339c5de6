// A tiny template language for provisioning files: {{name}} or {{name|default}}. Nothing else, so
// a template can never loop, include or run anything; output is bounded.
import { encodeUtf8 } from '../util/text';

export type RenderResult = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly reason: string };

const NAME = /^[A-Za-z0-9_]{1,32}$/;

export function renderTemplate(template: string, vars: Readonly<Record<string, string>>, maxBytes: number): RenderResult {
  let out = '';
  let at = 0;
  for (;;) {
    const open = template.indexOf('{{', at);
    if (open < 0) break;
    const close = template.indexOf('}}', open + 2);
    if (close < 0) return { ok: false, reason: 'unclosed {{' };
    out += template.slice(at, open);
    const inner = template.slice(open + 2, close);
    const bar = inner.indexOf('|');
    const name = (bar < 0 ? inner : inner.slice(0, bar)).trim();
    if (!NAME.test(name)) return { ok: false, reason: `bad variable name '${name.slice(0, 32)}'` };
    const value = Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : bar >= 0 ? inner.slice(bar + 1) : undefined;
    if (value === undefined) return { ok: false, reason: `no value for {{${name}}}` };
    out += value;
    if (out.length > maxBytes) return { ok: false, reason: 'rendered file too large' };
    at = close + 2;
  }
  out += template.slice(at);
  const bytes = encodeUtf8(out);
  if (bytes.length > maxBytes) return { ok: false, reason: 'rendered file too large' };
  return { ok: true, bytes };
}
