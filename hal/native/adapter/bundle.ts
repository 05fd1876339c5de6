// Entry point of dist/plugboard.js. The native runtime defines the global `plugboardNative`
// before it evaluates the bundle; the adapter turns it into the Hal and boots the firmware
// (or, with `-- --bringup ...` on the runtime's command line, the bring-up firmware).
import { boot } from '../../../firmware/main';
import { createNativeHal } from './hal';
import type { NativeRuntime } from './native';
import { parseBringupArgs, runBringup } from './bringup';

declare const globalThis: { plugboardNative?: NativeRuntime };

export const BUNDLE_FORMAT = 1;

const native = globalThis.plugboardNative;
if (native !== undefined) {
  // Loaded by the native runtime. (Outside it, e.g. a size check, there is nothing to boot.)
  const hal = createNativeHal(native);
  if (hal.argv.includes('--bringup')) runBringup(hal, parseBringupArgs(hal.argv));
  else boot(hal);
}
