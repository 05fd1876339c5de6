// The console: the line editor fed keystrokes (escape sequences whole, cut and with absurd
// parameters, control keys, UTF-8 and broken UTF-8, over-long lines), and the command parser,
// completion and `?` help over the router's real command tree with mutated command lines.
import { LineEditor, buildCommands, completions, helpAt, parseLine, type CommandNode } from '../../../../firmware/console';
import { MAX_LINE_LENGTH } from '../../../../firmware/console/lineEditor';
import { Rng } from '../../../../hal/sim/random';
import { consoleRig } from '../../../console/harness';
import { mutate, type Seed } from '../mutate';
import type { FuzzInstance, FuzzTarget } from '../target';

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

const COMMANDS = [
  'show version', 'sh le', 'show running-config with-password', 'show stats', 'set dhcp.pool-start 192.168.1.100',
  'set dhcp.dns router,9.9.9.9', 'set console.password-hash pbkdf2-sha256$32$c2FsdA$aGFzaA', 'unset wan.gateway',
  'phone-class yealink vendor-class "hex:00??363d"', 'phone-class yealink mac 80:5e:c0', 'phone-class yealink var sip_server 203.0.113.1',
  'no phone-class snom', 'image upload 192.168.1.20 T46S-66.86.0.15.rom 10', 'image upload cancel all', 'lease clear 192.168.1.100',
  'ping 192.168.1.100', 'log level debug', 'configure', 'end', 'terminal length 0', 'clear counters', 'set ? ', 'phone-class ? ',
];

const KEYS = [
  '\x1b[A', '\x1b[B', '\x1b[C', '\x1b[D', '\x1b[1;5C', '\x1bOA', '\x1b[3~', '\x1b[H', '\x1b[F', '\x1b[200~', '\x1b[99999999999999999;1;1;1;1;1;1m',
  '\x1b', '\x1b[', '\x1bO', '\x01', '\x02', '\x03', '\x04', '\x05', '\x06', '\x08', '\t', '\x0b', '\x0c', '\x0e', '\x10', '\x15', '\x16?', '\x17', '\x7f',
  '\r', '\n', '\r\n', '?', 'ü', '\xc3', '\xe2\x82', '\xff\xfe', '\x00', '"', "'", 'x'.repeat(1100),
];

function editorSeeds(): Seed[] {
  const out: Seed[] = COMMANDS.map((c) => ({ bytes: enc(`${c}\r`) }));
  for (const k of KEYS) out.push({ bytes: enc(k) });
  out.push({ bytes: enc(`show\x1b[Dx\x1b[C\x17\x15ver\tsion\r`) }, { bytes: enc(`${'a'.repeat(1023)}b\r`) });
  return out;
}

/** One input: a run of keystrokes, mutated commands with keys spliced in. */
function generateKeys(rng: Rng, seeds: readonly Seed[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let n = 1 + rng.int(4); n > 0; n--) parts.push(rng.chance(0.5) ? enc(KEYS[rng.int(KEYS.length)]) : mutate(seeds, rng, 80).bytes);
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const consoleEditor: FuzzTarget = {
  name: 'console-editor',
  describe: 'console line editor: keystrokes, escape sequences, UTF-8, over-long lines',
  seeds: editorSeeds,
  generate: generateKeys,
  create(): FuzzInstance {
    let written = 0;
    const editor = new LineEditor((text) => {
      if (typeof text !== 'string') throw new Error('the editor wrote something that is not text');
      written += text.length;
    });
    editor.start('office> ');
    return {
      feed(input) {
        let last = 'typing';
        for (const byte of input) {
          const action = editor.feedByte(byte);
          if (!action) continue;
          last = action.kind;
          if (action.kind === 'submit') {
            // A line that runs is what was typed: ASCII, within the limit; anything else is refused.
            if (action.line.length > MAX_LINE_LENGTH) throw new Error(`a ${action.line.length}-character line was submitted`);
            if (/[^\x20-\x7e]/.test(action.line)) throw new Error(`a line with a non-printable character was submitted: ${JSON.stringify(action.line)}`);
          } else if (action.kind === 'refused' && !action.reason) throw new Error('a line was refused without a reason');
          else if (action.kind === 'complete' || action.kind === 'help') editor.redraw();
          else if (action.kind === 'eof' || action.kind === 'interrupt') editor.start('office> ');
        }
        if (editor.line().length > MAX_LINE_LENGTH + 4) throw new Error(`the line grew to ${editor.line().length}`);
        return last;
      },
      audit(fed, outcomes) {
        let total = 0;
        for (const n of outcomes.values()) total += n;
        return total === fed && written > 0 ? [] : [`${fed} inputs, ${total} outcomes`];
      },
    };
  },
};

let tree: readonly CommandNode[] | undefined;
/** The router's command tree, as the console builds it (configuration only, no services). */
function commandTree(): readonly CommandNode[] {
  if (!tree) tree = buildCommands(consoleRig({ seed: 1 }).instance().console.context);
  return tree;
}

export const consoleParser: FuzzTarget = {
  name: 'console-parser',
  describe: 'command parser, completion and ? help over the real command tree',
  seeds: () => COMMANDS.map((c) => ({ bytes: enc(c) })),
  create(): FuzzInstance {
    const root = commandTree();
    return {
      feed(input) {
        const line = String.fromCharCode(...input.subarray(0, 2048));
        const cursor = input.length === 0 ? 0 : input[0] % (line.length + 1);
        const { candidates } = completions(root, line, cursor);
        if (candidates.some((c) => typeof c !== 'string')) throw new Error('a completion that is not text');
        const help = helpAt(root, line, cursor);
        if (typeof help === 'string' ? !help.startsWith('%') : !Array.isArray(help)) throw new Error(`help answered ${JSON.stringify(help)}`);
        const parsed = parseLine(root, line);
        if (parsed.ok) return 'parsed';
        if (!parsed.message.startsWith('%')) throw new Error(`a refusal that does not say so: ${parsed.message}`);
        return 'refused';
      },
      audit(fed, outcomes) {
        let total = 0;
        for (const n of outcomes.values()) total += n;
        return total === fed ? [] : [`${fed} inputs, ${total} outcomes`];
      },
    };
  },
};
