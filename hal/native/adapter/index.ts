// The native runtime's TypeScript side: the `plugboardNative` contract, the Hal built on it, and
// the bring-up firmware used by the runtime's own tests.
export type { NativeRuntime, NativeHandlers, NativePort, NativeFlashInfo, PortStats } from './native';
export { FlashOp } from './native';
export { createNativeHal, parseBoardText, portMac } from './hal';
export type { NativeHal } from './hal';
export { NativeFlash, MissingFlash } from './flash';
export { NativePortAdapter } from './ports';
export { NativeKernelNet, sysErrorOf } from './net';
export { renderNatTable, renderClearTable, checkNatTable } from './nft-render';
export { TimerHeap } from './timers';
export { parseBringupArgs, runBringup } from './bringup';
export type { BringupOptions } from './bringup';
