// Binds the simulated serial console to the user's terminal: raw mode on a TTY (the firmware does
// echo and line editing), plain lines otherwise. Node-only (tools/).
import type { SimConsole } from '../../hal/sim/console';

export interface TerminalBinding {
  /** Print a line from the simulator itself (not the firmware), e.g. ping answers. A TTY in Node's raw mode still maps \n to \r\n. */
  note(text: string): void;
  unbind(): void;
  readonly raw: boolean;
}

export interface TerminalOptions {
  readonly input: NodeJS.ReadStream;
  readonly output: NodeJS.WriteStream;
  /** Called when the user asks to leave (Ctrl-], Ctrl-C twice) or input ends. */
  readonly onQuit: (why: 'user' | 'end-of-input') => void;
  /** Called after input bytes were handed to the console (to run the simulation at once). */
  readonly onInput?: () => void;
}

const CTRL_C = 0x03;
const CTRL_RIGHT_BRACKET = 0x1d;
/** A second Ctrl-C within this time quits; a single one goes to the firmware (drops the line). */
const DOUBLE_CTRL_C_MS = 1000;

export function bindTerminal(simConsole: SimConsole, options: TerminalOptions): TerminalBinding {
  const { input, output } = options;
  const raw = Boolean(input.isTTY && typeof input.setRawMode === 'function');
  let lastCtrlC = -Infinity;
  let bound = true;

  const onData = (chunk: Buffer): void => {
    if (!bound) return;
    if (raw) {
      if (chunk.includes(CTRL_RIGHT_BRACKET)) return options.onQuit('user');
      if (chunk.includes(CTRL_C)) {
        const now = performance.now();
        if (now - lastCtrlC < DOUBLE_CTRL_C_MS) return options.onQuit('user');
        lastCtrlC = now;
      }
    }
    simConsole.type(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    options.onInput?.();
  };
  const onEnd = (): void => {
    if (bound) options.onQuit('end-of-input');
  };

  simConsole.onOutput = (bytes) => {
    if (bound) output.write(bytes);
  };
  if (raw) input.setRawMode(true);
  input.on('data', onData);
  input.on('end', onEnd);
  input.resume();

  return {
    raw,
    note(text: string): void {
      if (bound) output.write(`${text}\n`);
    },
    unbind(): void {
      if (!bound) return;
      bound = false;
      simConsole.onOutput = undefined;
      input.off('data', onData);
      input.off('end', onEnd);
      if (raw) input.setRawMode(false);
      input.pause();
      // stdin keeps the event loop alive while it is a readable pipe or TTY; let go of it.
      if (typeof (input as { unref?: () => void }).unref === 'function') (input as { unref: () => void }).unref();
    },
  };
}
