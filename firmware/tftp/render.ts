// A tiny template language for provisioning files. Nothing else, so a template can never loop,
// include or run anything; output is bounded.
//   {{name}}          required: no value (missing or empty) fails the render, naming the variable
//   {{name|default}}  the default when there is no value (`{{name|}}` is an explicit empty text)
//   {{name?}}         optional: no value leaves the whole line out, so a phone never reads `key =`
import { encodeUtf8 } from '../util/text';

export type RenderResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly reason: string; /** The variable that had no value, when that was why. */ readonly missing?: string };

const NAME = /^[A-Za-z0-9_]{1,32}$/;

const valueOf = (vars: Readonly<Record<string, string>>, name: string): string | undefined => {
  const value = Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : undefined;
  return value === '' ? undefined : value;
};

export function renderTemplate(template: string, vars: Readonly<Record<string, string>>, maxBytes: number): RenderResult {
  let out = '';
  let lineStart = 0; // where the current line begins in `out`
  let dropLine = false;
  let at = 0;
  const endLines = (text: string) => {
    // Copies literal text; at each newline, the line just ended is kept or dropped.
    for (;;) {
      const nl = text.indexOf('\n');
      if (nl < 0) return void (out += text);
      out += text.slice(0, nl + 1);
      if (dropLine) out = out.slice(0, lineStart);
      lineStart = out.length;
      dropLine = false;
      text = text.slice(nl + 1);
    }
  };
  for (;;) {
    const open = template.indexOf('{{', at);
    if (open < 0) break;
    const close = template.indexOf('}}', open + 2);
    if (close < 0) return { ok: false, reason: 'unclosed {{' };
    endLines(template.slice(at, open));
    const inner = template.slice(open + 2, close);
    const bar = inner.indexOf('|');
    let name = (bar < 0 ? inner : inner.slice(0, bar)).trim();
    const optional = bar < 0 && name.endsWith('?');
    if (optional) name = name.slice(0, -1);
    if (!NAME.test(name)) return { ok: false, reason: `bad variable name '${name.slice(0, 32)}'` };
    const value = valueOf(vars, name) ?? (bar >= 0 ? inner.slice(bar + 1) : undefined);
    if (value === undefined && !optional) return { ok: false, reason: `no value for {{${name}}}`, missing: name };
    if (value === undefined) dropLine = true;
    else out += value;
    if (out.length > maxBytes) return { ok: false, reason: 'rendered file too large' };
    at = close + 2;
  }
  endLines(template.slice(at));
  if (dropLine) out = out.slice(0, lineStart);
  const bytes = encodeUtf8(out);
  if (bytes.length > maxBytes) return { ok: false, reason: 'rendered file too large' };
  return { ok: true, bytes };
}
