// netascii (RFC 764 via RFC 1350): LF -> CR LF, bare CR -> CR NUL, streaming so a pair split by a
// block edge keeps its second byte (the FreeBSD bug, protocols.md T11).

const CR = 13;
const LF = 10;
const NUL = 0;

/** Encodes raw bytes to netascii across any number of calls; remembers a half-written pair. */
export class NetasciiEncoder {
  /** Second byte of a pair whose first byte ended the previous output block, or -1. */
  private pending = -1;

  /** Encode from raw[rawStart, rawEnd) into out[outStart, outEnd); returns bytes consumed and written. */
  encode(raw: Uint8Array, rawStart: number, rawEnd: number, out: Uint8Array, outStart: number, outEnd: number): { used: number; written: number } {
    let r = rawStart;
    let o = outStart;
    if (this.pending >= 0 && o < outEnd) {
      out[o++] = this.pending;
      this.pending = -1;
    }
    while (r < rawEnd && o < outEnd && this.pending < 0) {
      const b = raw[r++];
      if (b === LF || b === CR) {
        out[o++] = CR;
        const second = b === LF ? LF : NUL;
        if (o < outEnd) out[o++] = second;
        else this.pending = second;
      } else {
        out[o++] = b;
      }
    }
    return { used: r - rawStart, written: o - outStart };
  }

  hasPending(): boolean {
    return this.pending >= 0;
  }
}

/** The size of `raw` after netascii encoding (for tsize on in-memory files). */
export function netasciiLength(raw: Uint8Array): number {
  let n = raw.length;
  for (let i = 0; i < raw.length; i++) if (raw[i] === LF || raw[i] === CR) n++;
  return n;
}

/** Decodes netascii (CR LF -> LF, CR NUL -> CR) across calls; a CR at a block end waits for the next. */
export class NetasciiDecoder {
  private pendingCr = false;

  /** Decode `input` into a new array (output is never longer than input + 1). */
  decode(input: Uint8Array): Uint8Array {
    const out = new Uint8Array(input.length + 1);
    let o = 0;
    for (let i = 0; i < input.length; i++) {
      const b = input[i];
      if (this.pendingCr) {
        this.pendingCr = false;
        if (b === LF) out[o++] = LF;
        else if (b === NUL) out[o++] = CR;
        else {
          // A bare CR is not valid netascii; keep both bytes rather than lose data.
          out[o++] = CR;
          if (b === CR) this.pendingCr = true;
          else out[o++] = b;
        }
      } else if (b === CR) this.pendingCr = true;
      else out[o++] = b;
    }
    return out.subarray(0, o);
  }

  /** At end of file: a trailing CR that never got its pair. */
  finish(): Uint8Array {
    const tail = this.pendingCr ? Uint8Array.of(CR) : new Uint8Array(0);
    this.pendingCr = false;
    return tail;
  }
}
