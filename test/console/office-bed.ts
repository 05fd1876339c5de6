// The whole firmware (boot() on the simulated board) with the demo office's phones plugged in and
// its console driven through the simulated serial port: what console tests of several services share.
import { Testbed } from '../../hal/sim/testbed';
import { boot, type Firmware } from '../../firmware/main';
import { Screen } from './terminal';
import { startOffice, preloadedFlash } from '../../tools/sim/office';
import { Scheduler } from '../../hal/sim/scheduler';

export const tick = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

export async function officeConsole(seed: number, phones: number) {
  const scheduler = new Scheduler();
  const flash = await preloadedFlash(seed, scheduler);
  const bed = new Testbed<Firmware>({ seed, scheduler, flash, conditions: { latencyMs: 0.1 } });
  const screen = new Screen();
  bed.board.console.onOutput = (bytes) => screen.write(new TextDecoder().decode(bytes));
  const fw = bed.start((hal) => boot(hal));
  await bed.runAsync(1000, tick);
  await fw.ready;
  const notes: string[] = [];
  const office = startOffice(bed as Testbed<unknown>, { phones, plugIntervalMs: 500, say: (t) => notes.push(t) });
  const type = async (text: string, ms = 300): Promise<void> => {
    bed.board.console.type(text);
    await bed.runAsync(ms, tick);
  };
  const command = async (line: string, ms = 300): Promise<string[]> => {
    const before = screen.rows.length;
    await type(line + '\r', ms);
    return screen.rows.slice(before, -1).map((r) => r.trimEnd());
  };
  await command('terminal length 0');
  return { bed, fw, screen, office, notes, type, command };
}
