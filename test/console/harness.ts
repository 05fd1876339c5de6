// A console on the simulated board's serial port, with a router made of the real parts the test
// names (configuration always; store, stack and services when given).
import { SimBoard } from '../../hal/sim/board';
import { Reactor } from '../../firmware/reactor';
import { createConsole, type ConsoleRouter, type RouterConsole } from '../../firmware/console';
import { DEFAULT_CONFIG, LiveConfig, type RouterConfig } from '../../firmware/config';
import type { Hal } from '../../hal/hal';
import { loadConfig, type LoadOutcome } from '../../firmware/config';
import { mountStore } from '../../firmware/store';
import type { Store } from '../../firmware/store/types';
import { Screen } from './terminal';
import simBoardJson from '../../board/sim.json';

export interface Rig {
  readonly board: SimBoard<Instance>;
  instance(): Instance;
  /** Type at the terminal and let virtual time pass (default 200 ms). */
  type(text: string, ms?: number): void;
  run(ms: number): void;
  /** Output since the last read, raw. */
  read(): string;
  /** Everything written so far, through the terminal model. */
  readonly screen: Screen;
  /** Run `line`, return the screen rows it produced (without the echoed command and the prompt). */
  command(line: string, ms?: number): string[];
  /** Same, for commands that wait on flash or the network: lets promises settle as time passes. */
  commandAsync(line: string, maxMs?: number): Promise<string[]>;
  /** Let virtual time pass in steps, settling promises between steps, until `done` or `maxMs`. */
  settle(done: () => boolean, maxMs?: number): Promise<void>;
}

/** Let pending promise callbacks run (flash completions resolve through them). */
export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface Instance {
  readonly hal: Hal;
  router: ConsoleRouter;
  console: RouterConsole;
  readonly reactor: Reactor;
  /** With a store: resolves once it is mounted, the configuration loaded and the console started. */
  readonly ready: Promise<void>;
  loadOutcome?: LoadOutcome;
}

export interface RigOptions {
  readonly seed?: number;
  readonly config?: RouterConfig;
  /** Fill in services on the router before the console starts. */
  readonly setup?: (router: ConsoleRouter, hal: Hal) => void;
  /** Mount the flash store at boot and load the saved configuration from it (as the firmware does). */
  readonly withStore?: boolean;
}

export function consoleRig(options: RigOptions = {}): Rig {
  const board = new SimBoard<Instance>({ seed: options.seed ?? 1, board: simBoardJson });
  const screen = new Screen();
  board.console.onOutput = (bytes) => screen.write(new TextDecoder().decode(bytes));
  board.start((hal) => {
    const reactor = new Reactor(hal);
    const startConsole = (config: RouterConfig, saved: RouterConfig, store?: Store): Pick<Instance, 'router' | 'console'> => {
      const router: ConsoleRouter = {
        firmwareVersion: '0.1.0-test',
        board: hal.board,
        ports: hal.ports,
        now: () => hal.now(),
        wallClock: () => hal.wallClock(),
        randomFill: (into) => hal.randomFill(into),
        reboot: () => hal.reboot(),
        pause: () => new Promise<void>((resolve) => hal.setTimer(0, resolve)),
        config: new LiveConfig(config, saved),
        store,
      };
      options.setup?.(router, hal);
      const routerConsole = createConsole(router, hal.console, () => reactor.reschedule());
      reactor.add(routerConsole.session);
      routerConsole.session.start(hal.now());
      return { router, console: routerConsole };
    };
    if (!options.withStore) {
      const initial = options.config ?? DEFAULT_CONFIG;
      return { hal, reactor, ready: Promise.resolve(), ...startConsole(initial, initial) };
    }
    const instance = { hal, reactor } as Instance;
    (instance as { ready: Promise<void> }).ready = (async () => {
      const store = await mountStore(hal.flash, { now: () => hal.now(), wallClock: () => hal.wallClock() });
      const outcome = await loadConfig(store);
      instance.loadOutcome = outcome;
      Object.assign(instance, startConsole(outcome.config, outcome.config, store));
    })();
    return instance;
  });
  const rig: Rig = {
    board,
    screen,
    instance: () => board.current() as Instance,
    type(text, ms = 200) {
      board.console.type(text);
      board.scheduler.runFor(ms);
    },
    run: (ms) => board.scheduler.runFor(ms),
    read: () => board.console.read(),
    command(line, ms = 200) {
      const before = screen.rows.length;
      rig.type(line + '\r', ms);
      // Rows from the one holding the echoed command to the new prompt.
      return screen.rows.slice(before, -1).map((r) => r.trimEnd());
    },
    async commandAsync(line, maxMs = 20000) {
      const before = screen.rows.length;
      rig.type(line + '\r', 5);
      await rig.settle(() => !rig.instance().console.session.busy(), maxMs);
      return screen.rows.slice(before, -1).map((r) => r.trimEnd());
    },
    async settle(done, maxMs = 20000) {
      const deadline = board.scheduler.now() + maxMs;
      await flush();
      while (!done() && board.scheduler.now() < deadline) {
        board.scheduler.runFor(5);
        await flush();
      }
    },
  };
  return rig;
}
