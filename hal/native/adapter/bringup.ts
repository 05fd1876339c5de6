// Bring-up firmware of the native runtime: the real IPv4 stack (ARP, ping) and reactor on the real
// ports, addresses from the command line, and a tiny line console to inspect the runtime and
// exercise the flash. Used by the runtime's own tests and on a new board before the full firmware
// (`plugboard ... dist/plugboard.js -- --bringup --lan-address 192.168.50.1/24`).
import { SysError } from '../../hal';
import type { PortName } from '../../hal';
import { Reactor } from '../../../firmware/reactor';
import { createStack } from '../../../firmware/stack';
import { useKernels } from '../../../firmware/kernels';
import type { RouterStack } from '../../../firmware/stack';
import { ipToString, parseIp } from '../../../firmware/util/ipv4';
import { macToString } from '../../../firmware/util/mac';
import { decodeAscii, encodeAscii } from '../../../firmware/util/text';
import type { NativeHal } from './hal';

export interface BringupOptions {
  readonly addresses: Partial<Record<PortName, { ip: number; prefixLength: number }>>;
}

/** `--lan-address a.b.c.d/n` and `--wan-address a.b.c.d/n`; throws on a malformed one. */
export function parseBringupArgs(argv: readonly string[]): BringupOptions {
  const addresses: BringupOptions['addresses'] = {};
  for (let i = 0; i < argv.length; i++) {
    const match = /^--(lan|wan)-address$/.exec(argv[i]);
    if (!match) continue;
    const value = argv[++i] ?? '';
    const [ipText, prefixText] = value.split('/');
    const ip = parseIp(ipText);
    const prefixLength = Number(prefixText);
    if (ip === undefined || !/^\d{1,2}$/.test(prefixText ?? '') || prefixLength > 32) {
      throw new Error(`${argv[i - 1]}: '${value}' is not an address like 192.168.50.1/24`);
    }
    (addresses as Record<string, unknown>)[match[1]] = { ip, prefixLength };
  }
  return { addresses };
}

const PROMPT = 'plugboard# ';
const HELP = [
  'commands:',
  '  show interfaces        ports, MACs, addresses, link, frame counters',
  '  show stats             stack counters',
  '  show memory            JavaScript heap in use',
  '  flash write <block> <text>   erase the block, then program the text at its start',
  '  flash read <block> <length>  print the bytes at the start of the block',
  '  help',
].join('\r\n');

export function runBringup(hal: NativeHal, options: BringupOptions): RouterStack {
  useKernels(hal.kernels); // as the full firmware does, so figures taken here hold
  const stack = createStack(hal);
  const reactor = new Reactor(hal);
  reactor.add(stack);
  stack.onPollChange = () => reactor.reschedule();
  for (const name of ['lan', 'wan'] as const) {
    const address = options.addresses[name];
    if (address) stack.setAddress(name, address);
  }
  const out = (text: string): void => hal.console.write(encodeAscii(text.replace(/\r?\n/g, '\r\n')));
  let line = '';
  const commands: Record<string, (args: string[]) => Promise<string> | string> = {
    help: () => HELP,
    show: (args) => {
      if ('interfaces'.startsWith(args[0] ?? '-')) {
        return (['lan', 'wan'] as const)
          .map((name) => {
            const port = hal.ports[name];
            const address = stack.address(name);
            const stats = port.stats();
            const where = address ? `${ipToString(address.ip)}/${address.prefixLength}` : 'no address';
            return `${name} ${macToString(port.mac)} ${where} link ${port.linkUp() ? 'up' : 'down'} rx ${stats?.rxFrames ?? 0} tx ${stats?.txFrames ?? 0} completed-checksums ${stats?.rxChecksumsCompleted ?? 0} ring-drops ${stats?.rxRingDrops ?? 0}`;
          })
          .join('\n');
      }
      if ('stats'.startsWith(args[0] ?? '-')) {
        return Object.entries(stack.counters())
          .map(([name, value]) => `${name} ${value}`)
          .join('\n');
      }
      if ('memory'.startsWith(args[0] ?? '-')) return `heap ${hal.memoryUsed()} bytes`;
      return 'show interfaces|stats|memory';
    },
    flash: async (args) => {
      const block = Number(args[1]);
      if (!Number.isInteger(block) || block < 0 || block * hal.flash.blockSize >= hal.flash.size) return `bad block '${args[1]}'`;
      const offset = block * hal.flash.blockSize;
      if (args[0] === 'write' && args.length >= 3) {
        const data = encodeAscii(args.slice(2).join(' '));
        const erased = await hal.flash.erase(block);
        if (erased !== SysError.OK) return `erase failed: ${erased}`;
        const programmed = await hal.flash.program(offset, data);
        return programmed === SysError.OK ? `wrote ${data.length} bytes to block ${block}` : `program failed: ${programmed}`;
      }
      if (args[0] === 'read') {
        const into = new Uint8Array(Math.min(Number(args[2]) || 16, 256));
        const code = await hal.flash.read(offset, into);
        return code === SysError.OK ? `read: ${decodeAscii(into)}` : `read failed: ${code}`;
      }
      return 'flash write <block> <text> | flash read <block> <length>';
    },
  };
  const execute = (text: string): void => {
    const words = text.trim().split(/\s+/).filter((word) => word !== '');
    if (words.length === 0) return out(PROMPT);
    const command = Object.keys(commands).find((name) => name.startsWith(words[0]));
    const result = command ? commands[command](words.slice(1)) : `unknown command '${words[0]}' (try help)`;
    Promise.resolve(result).then((reply) => out(`${reply}\n${PROMPT}`));
  };
  hal.console.onInput = (bytes) => {
    for (const byte of bytes) {
      if (byte === 0x0d || byte === 0x0a) {
        out('\n');
        const text = line;
        line = '';
        execute(text);
      } else if (byte === 0x7f || byte === 0x08) {
        if (line.length > 0) {
          line = line.slice(0, -1);
          out('\b \b');
        }
      } else if (byte >= 0x20 && byte < 0x7f && line.length < 256) {
        line += String.fromCharCode(byte);
        hal.console.write(new Uint8Array([byte]));
      }
    }
  };
  out(`plugboard bring-up on ${hal.board.name}\n${PROMPT}`);
  return stack;
}
