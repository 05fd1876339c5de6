// The Hal's Port over one runtime port: frames arrive as views into the runtime's receive memory
// (valid only during onFrame), sends are copied into the runtime's batch sent at the end of the turn.
import type { Port, PortName } from '../../hal';
import type { NativeRuntime, PortStats } from './native';

export class NativePortAdapter implements Port {
  onFrame?: (frame: Uint8Array) => void;
  onBatchEnd?: () => void;
  onLinkChange?: (up: boolean) => void;
  private readonly memory: Uint8Array;

  constructor(
    private readonly native: NativeRuntime,
    private readonly index: number,
    readonly name: PortName,
    readonly mac: Uint8Array,
    readonly mtu: number,
    memory: ArrayBuffer,
  ) {
    this.memory = new Uint8Array(memory);
  }

  linkUp(): boolean {
    return this.native.linkUp(this.index);
  }

  send(frame: Uint8Array): boolean {
    return this.native.send(this.index, frame);
  }

  stats(): PortStats | undefined {
    return this.native.portStats(this.index);
  }

  /** One batch from the runtime: (offset, length) pairs in `descriptors`. */
  deliver(descriptors: Uint32Array, count: number): void {
    const onFrame = this.onFrame;
    if (onFrame !== undefined) {
      const memory = this.memory;
      for (let i = 0; i < count; i++) {
        const offset = descriptors[2 * i];
        onFrame(memory.subarray(offset, offset + descriptors[2 * i + 1]));
      }
    }
    this.onBatchEnd?.();
  }
}
