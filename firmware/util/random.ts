// A 32-bit unsigned random number from a byte source (the HAL's randomFill).
export function randomU32Source(fill: (into: Uint8Array) => void): () => number {
  const word = new Uint8Array(4);
  return () => {
    fill(word);
    return ((word[0] << 24) | (word[1] << 16) | (word[2] << 8) | word[3]) >>> 0;
  };
}
