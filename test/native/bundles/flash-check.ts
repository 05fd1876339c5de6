// Bundle for test/native/runtime.test.ts: drives the runtime's flash through the adapter's Hal and
// logs every result as one JSON line ("flash-check {...}") for the test to compare.
import { createNativeHal } from '../../../hal/native/adapter/hal';
import type { NativeRuntime } from '../../../hal/native/adapter/native';

declare const globalThis: { plugboardNative: NativeRuntime };

const hal = createNativeHal(globalThis.plugboardNative);
const flash = hal.flash;

async function check(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { kind: flash.kind, size: flash.size, blockSize: flash.blockSize, programUnit: flash.programUnit };
  const unit = flash.programUnit;
  const bytes = new Uint8Array(unit * 2);
  out.freshRead = [await flash.read(flash.blockSize, bytes), bytes[0], bytes[bytes.length - 1]];
  const first = new Uint8Array(unit).fill(0x0f);
  out.program1 = await flash.program(flash.blockSize, first);
  const second = new Uint8Array(unit).fill(0xf3);
  // NOR: programming again only clears bits (0x0f & 0xf3 = 0x03). NAND pages are programmed once.
  if (flash.kind === 'nor') out.program2 = await flash.program(flash.blockSize, second);
  out.afterPrograms = [await flash.read(flash.blockSize, bytes), bytes[0], bytes[unit]];
  out.persistMark = await flash.program(2 * flash.blockSize, new Uint8Array(unit).fill(0x42));
  out.erase = await flash.erase(1);
  out.afterErase = [await flash.read(flash.blockSize, bytes), bytes[0]];
  out.readPastEnd = await flash.read(flash.size - 1, new Uint8Array(2));
  out.eraseOutOfRange = await flash.erase(flash.size / flash.blockSize);
  out.misaligned = unit > 1 ? await flash.program(flash.blockSize + 1, new Uint8Array(unit)) : 'n/a';
  // Operations queued together complete in order.
  const order: number[] = [];
  await Promise.all([0, 1, 2, 3].map((i) => flash.program(3 * flash.blockSize + i * unit, new Uint8Array(unit).fill(i)).then(() => order.push(i))));
  out.order = order;
  return out;
}

check().then((result) => hal.log(`flash-check ${JSON.stringify(result)}`));
