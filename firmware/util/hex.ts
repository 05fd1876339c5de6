// Bytes as lower-case hex text and back: the one formatter for MACs (util/mac.ts), client
// identifiers, option bytes, image digests and password hashes.

/** `bytes` as lower-case hex, two digits per byte, `separator` between bytes (none by default). */
export function bytesToHex(bytes: Uint8Array, start = 0, end = bytes.length, separator = ''): string {
  let text = '';
  for (let i = start; i < end; i++) {
    if (i > start) text += separator;
    text += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  }
  return text;
}

/** Even-length hex text (either case) as bytes; undefined when it is not exactly that. */
export function hexToBytes(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}
