// Entry point of dist/plugboard.js. The native runtime defines the global `plugboardNative`
// before it evaluates the bundle; the adapter turns it into the HAL and boots the firmware.
declare const globalThis: { plugboardNative?: unknown };

export const BUNDLE_FORMAT = 1;

if (globalThis.plugboardNative === undefined) {
  // Loaded outside the native runtime (e.g. a size check): nothing to boot.
}
