// The loaders of what the router reads at boot: a board file (JSON text through validateBoard, as
// the runtime hands it over) and the saved configuration record (through loadConfig, as boot does).
// Mutations are byte-level on the text or record, and tree-level on the JSON (re-sealed with a right
// CRC half of the time, so the body's checks run and not only the CRC's).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { boardInfo, validateBoard } from '../../../../firmware/board';
import { DEFAULT_CONFIG, encodeConfig, frame, loadConfig, newPhoneClass, withPhoneClass, withValue, CONFIG_VERSION } from '../../../../firmware/config';
import type { Store } from '../../../../firmware/store/types';
import { Rng } from '../../../../hal/sim/random';
import { mutate, type Seed } from '../mutate';
import { mutateJson } from '../json';
import type { FuzzInstance, FuzzTarget } from '../target';

const text = new TextEncoder();
const untext = new TextDecoder();
const BOARD_DIR = join(import.meta.dirname, '../../../../board');

let boards: unknown[] | undefined;
/** Every board file the repository ships (read once). */
function boardDocs(): unknown[] {
  boards ??= readdirSync(BOARD_DIR)
    .filter((f) => f.endsWith('.json') && f !== 'schema.json')
    .map((f) => JSON.parse(readFileSync(join(BOARD_DIR, f), 'utf8')) as unknown);
  return boards;
}

const tally = (outcomes: ReadonlyMap<string, number>, fed: number): string[] => {
  let total = 0;
  for (const n of outcomes.values()) total += n;
  return total === fed ? [] : [`${fed} inputs, ${total} outcomes`];
};

export const boardLoader: FuzzTarget = {
  name: 'board-loader',
  describe: 'board file loader (JSON text, then validateBoard and boardInfo)',
  seeds: () => boardDocs().map((doc) => ({ bytes: text.encode(JSON.stringify(doc, null, 2)) })),
  generate(rng: Rng, seeds: readonly Seed[]) {
    if (rng.chance(0.5)) return mutate(seeds, rng, 4000).bytes;
    const docs = boardDocs();
    return text.encode(JSON.stringify(mutateJson(docs[rng.int(docs.length)], rng)));
  },
  create(): FuzzInstance {
    return {
      feed(input) {
        let value: unknown;
        try {
          value = JSON.parse(untext.decode(input));
        } catch {
          return 'not-json';
        }
        const result = validateBoard(value);
        if (!result.ok) {
          if (result.errors.length === 0 || result.errors.some((e) => typeof e !== 'string' || e.length === 0)) throw new Error('a refused board without a reason');
          return 'refused';
        }
        boardInfo(result.board);
        return 'ok';
      },
      audit: (fed, outcomes) => tally(outcomes, fed),
    };
  },
};

function configs(): Uint8Array[] {
  let phones = withPhoneClass(DEFAULT_CONFIG, { ...newPhoneClass('lab'), macs: ['80:5e:c0'], bootFile: 'fw.rom', vars: { sip_server: '203.0.113.1' } });
  phones = withValue(phones, 'hostname', 'office');
  return [encodeConfig(DEFAULT_CONFIG), encodeConfig(phones), encodeConfig(withValue(DEFAULT_CONFIG, 'wan.mode', 'static'))];
}

const HEADER = 16;

/** A store that holds one record: what loadConfig reads at boot. */
function oneRecordStore(record: Uint8Array): Store {
  return { getRecord: async () => record } as unknown as Store;
}

export const configLoader: FuzzTarget = {
  name: 'config-loader',
  describe: 'saved configuration loader (record header, CRC, JSON body, migration, validation)',
  seeds: () => configs().map((bytes) => ({ bytes, shape: { lengthFields: [[4, 2], [6, 2], [8, 2], [10, 2]] as const } })),
  generate(rng, seeds) {
    if (rng.chance(0.5)) return mutate(seeds, rng, 2000).bytes;
    const record = seeds[rng.int(seeds.length)].bytes;
    const body = JSON.parse(untext.decode(record.subarray(HEADER))) as unknown;
    const mutated = rng.chance(0.8) ? text.encode(JSON.stringify(mutateJson(body, rng))) : mutate([{ bytes: record.subarray(HEADER) }], rng).bytes;
    return frame(rng.chance(0.9) ? CONFIG_VERSION : rng.int(4), mutated);
  },
  create(): FuzzInstance {
    return {
      async feed(input) {
        const outcome = await loadConfig(oneRecordStore(input));
        if (outcome.status === 'unreadable') return String(outcome.reason);
        if (outcome.status !== 'loaded') throw new Error(`a record that is there loaded as ${outcome.status}`);
        // What loaded must save again and load back the same.
        const again = await loadConfig(oneRecordStore(encodeConfig(outcome.config)));
        if (again.status !== 'loaded' || JSON.stringify(encodeConfig(again.config)) !== JSON.stringify(encodeConfig(outcome.config))) throw new Error('a loaded configuration does not survive save and load');
        return outcome.skipped.length > 0 ? 'loaded-skipping-keys' : 'loaded';
      },
      audit: (fed, outcomes) => tally(outcomes, fed),
    };
  },
};
