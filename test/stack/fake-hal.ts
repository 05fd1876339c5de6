// A minimal in-test Hal for driving the stack directly: ports record what is sent, the test calls
// onFrame itself, and the clock only moves when the test says so. Flash and console are inert.
import type { BoardInfo, Flash, Hal, Port, PortName } from '../../hal/hal';
import { Rng } from '../../hal/sim/random';

export class FakePort implements Port {
  readonly sent: Uint8Array[] = [];
  onFrame?: (frame: Uint8Array) => void;
  /** When false, send() refuses (a full transmit queue). */
  accepting = true;

  constructor(
    readonly name: PortName,
    readonly mac: Uint8Array,
    readonly mtu = 1500,
  ) {}

  linkUp(): boolean {
    return true;
  }

  send(frame: Uint8Array): boolean {
    if (!this.accepting) return false;
    this.sent.push(frame.slice()); // the HAL copies, as the contract says
    return true;
  }

  /** Deliver a frame as the HAL would (the stack must not keep the view). */
  deliver(frame: Uint8Array): void {
    const lent = frame.slice();
    this.onFrame?.(lent);
    lent.fill(0xee); // a later reuse of the receive buffer must not matter to the stack
  }

  /** Remove and return what was sent so far. */
  take(): Uint8Array[] {
    return this.sent.splice(0, this.sent.length);
  }
}

const INERT_FLASH: Flash = {
  kind: 'nor',
  size: 0,
  blockSize: 65536,
  programUnit: 1,
  eraseValue: 0xff,
  read: async () => -5,
  program: async () => -5,
  erase: async () => -5,
  isBad: () => false,
  markBad: async () => -5,
};

export class FakeHal implements Hal {
  readonly board: BoardInfo = { name: 'fake', arch: 'none', console: { device: 'none', baud: 115200 }, memoryBudgetKiB: 4096, forwarding: 'ports', offload: 'none' };
  readonly ports: { lan: FakePort; wan: FakePort };
  readonly flash = INERT_FLASH;
  readonly console = { write: (_bytes: Uint8Array) => {} };
  time = 1000;
  private readonly rng: Rng;

  constructor(seed = 1) {
    this.rng = new Rng(seed);
    this.ports = {
      lan: new FakePort('lan', Uint8Array.from([0x02, 0, 0, 0, 0, 0x01])),
      wan: new FakePort('wan', Uint8Array.from([0x02, 0, 0, 0, 0, 0x02])),
    };
  }

  now(): number {
    return this.time;
  }
  wallClock(): number | undefined {
    return undefined;
  }
  setTimer(): number {
    throw new Error('the stack must not create timers');
  }
  clearTimer(): void {
    throw new Error('the stack must not create timers');
  }
  randomFill(into: Uint8Array): void {
    this.rng.fill(into);
  }
  reboot(): void {}
}
