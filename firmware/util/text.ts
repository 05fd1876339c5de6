// UTF-8 text <-> bytes without TextEncoder (not in ES2020 nor in QuickJS).

export function encodeUtf8(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    let c = ch.codePointAt(0) as number;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else {
      out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
  }
  return Uint8Array.from(out);
}

/** Decode UTF-8; malformed sequences become U+FFFD rather than throwing. */
export function decodeUtf8(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let text = '';
  let i = start;
  while (i < end) {
    const b = bytes[i];
    let c = 0xfffd;
    let need = 0;
    if (b < 0x80) c = b;
    else if (b >= 0xc2 && b < 0xe0) (c = b & 0x1f), (need = 1);
    else if (b >= 0xe0 && b < 0xf0) (c = b & 0x0f), (need = 2);
    else if (b >= 0xf0 && b < 0xf5) (c = b & 0x07), (need = 3);
    i++;
    for (let k = 0; k < need; k++, i++) {
      if (i >= end || (bytes[i] & 0xc0) !== 0x80) {
        c = 0xfffd;
        need = 0;
        break;
      }
      c = (c << 6) | (bytes[i] & 0x3f);
    }
    text += String.fromCodePoint(c > 0x10ffff ? 0xfffd : c);
  }
  return text;
}

/** Latin-1/ASCII view of bytes, one char per byte (protocol fields such as TFTP names). */
export function decodeAscii(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

export function encodeAscii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}
