// phone-class <name> ... : which devices are phones and what they are told (DHCP's PhoneClass).
import type { ArgType, CommandIO, CommandNode } from '../commandTree';
import { newPhoneClass, phoneClassNamed, withoutPhoneClass, withPhoneClass, withPhoneClasses, type PhoneClass } from '../../config/model';
import { parseMacPattern, parseVendorPattern, rawOptionBytes, validatePhoneClass } from '../../dhcp/config';
import { choiceArg, intArg, textArg, wordArg } from './argTypes';
import { parseDecimal } from '../../config/valueTypes';
import { bytesToHex } from '../../util/hex';
import type { CommandContext } from './context';

const NAME_RE = /^[A-Za-z0-9_.-]{1,32}$/;

function classNameArg(ctx: CommandContext, allowAll: boolean): ArgType {
  return {
    syntax: allowAll ? 'NAME or all' : 'NAME (1-32 of A-Z a-z 0-9 _ . -)',
    parse(text) {
      if (allowAll && text === 'all') return { ok: true, value: text };
      if (!NAME_RE.test(text)) return { ok: false, reason: 'a class name is 1-32 of A-Z a-z 0-9 _ . -' };
      if (text === 'all') return { ok: false, reason: "'all' is reserved (no phone-class all removes every class)" };
      return { ok: true, value: text };
    },
    complete: () => [...ctx.working().phoneClasses.map((c) => c.name), ...(allowAll ? ['all'] : [])],
  };
}

const vendorPatternArg: ArgType = {
  syntax: 'exact:TEXT|prefix:TEXT|contains:TEXT|hex:BYTES|enterprise:NUMBER (quote it if it has spaces)',
  parse(text) {
    if (/["\\]/.test(text)) return { ok: false, reason: 'quotes and backslashes are not allowed' };
    const parsed = parseVendorPattern(text);
    return parsed.ok ? { ok: true, value: text } : { ok: false, reason: parsed.error };
  },
  complete: () => ['exact:', 'prefix:', 'contains:', 'hex:', 'enterprise:'],
};

const macPatternArg: ArgType = {
  syntax: 'aa:bb:cc:dd:ee:ff or OUI aa:bb:cc',
  parse(text) {
    const parsed = parseMacPattern(text);
    if (!parsed.ok) return { ok: false, reason: parsed.error };
    return { ok: true, value: bytesToHex(parsed.value.bytes, 0, parsed.value.bytes.length, ':') };
  },
};

const blockSizeArg: ArgType = {
  syntax: '<2-32768> power of two (ports per phone)',
  parse(text) {
    const n = parseDecimal(text);
    if (n === undefined) return { ok: false, reason: 'not a whole number' };
    if (n < 2 || n > 32768) return { ok: false, reason: 'out of range 2-32768' };
    if ((n & (n - 1)) !== 0) return { ok: false, reason: 'not a power of two' };
    return { ok: true, value: 16 - Math.log2(n) };
  },
  complete: () => ['64', '128', '256', '512', '1024'],
};

const hexArg: ArgType = {
  syntax: 'HEX bytes, e.g. 0a0b0c',
  parse(text) {
    const parsed = rawOptionBytes({ code: 1, hex: text });
    return parsed.ok ? { ok: true, value: text.toLowerCase() } : { ok: false, reason: parsed.error.replace(/^option 1: /, '') };
  },
};

const VAR_RE = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;
const varKeyArg: ArgType = {
  syntax: 'KEY (letters, digits, _)',
  parse: (text) => (VAR_RE.test(text) ? { ok: true, value: text } : { ok: false, reason: 'a variable name is a letter or _ then up to 31 letters, digits or _' }),
  complete: () => ['sip_server', 'sip_domain', 'ntp_server', 'timezone', 'sip_user', 'sip_password'],
};

export function phoneClassCommands(ctx: CommandContext): CommandNode[] {
  const storeNames = () => ctx.router.store?.list().map((s) => s.name) ?? [];

  /** Change one class (created if new), check it, apply. */
  const edit = (io: CommandIO, name: string, change: (c: PhoneClass) => PhoneClass) => {
    const before = phoneClassNamed(ctx.working(), name) ?? newPhoneClass(name);
    const after = change(before);
    const errors = validatePhoneClass(after);
    if (errors.length > 0) {
      for (const e of errors) io.print(`% Refused, phone-class ${name}: ${e.replace(/^class '[^']*': /, '')}`);
      io.print('% Nothing was changed.');
      return;
    }
    if (ctx.apply(withPhoneClass(ctx.working(), after), io) && after.bootFile !== before.bootFile) {
      for (const w of ctx.bootFileWarnings()) if (w.key === `phone-class ${name}`) io.print(`% Warning, ${w.key}: ${w.message}`);
    }
  };
  const addUnique = (list: readonly string[], item: string) => (list.includes(item) ? list : [...list, item]);

  const sub: CommandNode[] = [
    {
      word: 'vendor-class',
      help: 'Add a DHCP option 60 pattern that admits a device to this class',
      args: [{ name: 'pattern', help: 'Vendor class pattern', type: vendorPatternArg }],
      run: (a, io) => edit(io, a.name as string, (c) => ({ ...c, vendorClasses: addUnique(c.vendorClasses, a.pattern as string) })),
    },
    {
      word: 'mac',
      help: 'Add a MAC or OUI prefix to admit (none listed: any MAC)',
      args: [{ name: 'mac', help: 'MAC or OUI', type: macPatternArg }],
      run: (a, io) => edit(io, a.name as string, (c) => ({ ...c, macs: addUnique(c.macs, a.mac as string) })),
    },
    {
      word: 'block-size',
      help: 'Ports in each phone block (PSID length 16-log2(size))',
      args: [{ name: 'size', help: 'Ports per block', type: blockSizeArg }],
      run: (a, io) => edit(io, a.name as string, (c) => ({ ...c, psidLength: a.size as number })),
    },
    {
      word: 'boot-file',
      help: 'Software the phone loads (option 67); should be an image in the store',
      args: [{ name: 'file', help: 'Boot file name', type: wordArg(255, 'FILE', storeNames) }],
      run: (a, io) => edit(io, a.name as string, (c) => ({ ...c, bootFile: a.file as string })),
    },
    {
      word: 'template',
      help: 'Provisioning-file name ({mac}/{MAC} = the phone MAC); rendered from store item template:<class> when present',
      args: [{ name: 'pattern', help: 'File name pattern', type: wordArg(128, 'PATTERN') }],
      run: (a, io) => edit(io, a.name as string, (c) => ({ ...c, template: a.pattern as string })),
    },
    {
      word: 'port-params',
      help: 'Send option 159 (port range) only when requested, or always',
      args: [{ name: 'mode', help: 'When to send option 159', type: choiceArg(['requested', 'always']) }],
      run: (a, io) => edit(io, a.name as string, (c) => ({ ...c, sendPortParams: a.mode as 'requested' | 'always' })),
    },
    {
      word: 'port-suboptions',
      help: 'Also carry the port range in option 43 sub-options (first port, last port)',
      args: [
        { name: 'first-code', help: 'Sub-option holding the first port', type: intArg(1, 254) },
        { name: 'last-code', help: 'Sub-option holding the last port', type: intArg(1, 254) },
      ],
      run: (a, io) => edit(io, a.name as string, (c) => ({ ...c, portRangeSubOptions: { first: a['first-code'] as number, last: a['last-code'] as number } })),
    },
    {
      word: 'option',
      help: 'A DHCP option sent to every phone of the class',
      args: [{ name: 'code', help: 'Option code', type: intArg(1, 254) }],
      children: [
        {
          word: 'text',
          help: 'Value as text',
          args: [{ name: 'value', help: 'Text', type: textArg(255) }],
          run: (a, io) => edit(io, a.name as string, (c) => ({ ...c, options: [...c.options.filter((o) => o.code !== a.code), { code: a.code as number, text: a.value as string }] })),
        },
        {
          word: 'hex',
          help: 'Value as hex bytes',
          args: [{ name: 'value', help: 'Hex', type: hexArg }],
          run: (a, io) => edit(io, a.name as string, (c) => ({ ...c, options: [...c.options.filter((o) => o.code !== a.code), { code: a.code as number, hex: a.value as string }] })),
        },
      ],
    },
    {
      word: 'var',
      help: 'A provisioning-template variable (sip_server, ntp_server, ...)',
      args: [
        { name: 'key', help: 'Variable', type: varKeyArg },
        { name: 'value', help: 'Value', type: textArg(255) },
      ],
      run: (a, io) => edit(io, a.name as string, (c) => ({ ...c, vars: { ...c.vars, [a.key as string]: a.value as string } })),
    },
  ];

  const removeFrom = (io: CommandIO, name: string, change: (c: PhoneClass) => PhoneClass | string) => {
    const before = phoneClassNamed(ctx.working(), name);
    if (!before) {
      io.print(`% Invalid <name> '${name}' (word 3): no such phone class`);
      return;
    }
    const after = change(before);
    if (typeof after === 'string') {
      io.print(after);
      return;
    }
    edit(io, name, () => after);
  };

  const noSub: CommandNode[] = [
    {
      word: 'vendor-class',
      help: 'Remove a vendor-class pattern',
      args: [{ name: 'pattern', help: 'Pattern as listed', type: { syntax: 'PATTERN', parse: (t) => ({ ok: true, value: t }), complete: () => [] } }],
      run: (a, io) =>
        removeFrom(io, a.name as string, (c) => (c.vendorClasses.includes(a.pattern as string) ? { ...c, vendorClasses: c.vendorClasses.filter((p) => p !== a.pattern) } : `% Invalid <pattern> '${a.pattern}' (word 5): not in phone-class ${c.name}`)),
    },
    {
      word: 'mac',
      help: 'Remove a MAC or OUI',
      args: [{ name: 'mac', help: 'MAC or OUI', type: macPatternArg }],
      run: (a, io) => removeFrom(io, a.name as string, (c) => (c.macs.includes(a.mac as string) ? { ...c, macs: c.macs.filter((m) => m !== a.mac) } : `% Invalid <mac> '${a.mac}' (word 5): not in phone-class ${c.name}`)),
    },
    {
      word: 'option',
      help: 'Remove an option',
      args: [{ name: 'code', help: 'Option code', type: intArg(1, 254) }],
      run: (a, io) => removeFrom(io, a.name as string, (c) => (c.options.some((o) => o.code === a.code) ? { ...c, options: c.options.filter((o) => o.code !== a.code) } : `% Invalid <code> '${a.code}' (word 5): not set in phone-class ${c.name}`)),
    },
    {
      word: 'var',
      help: 'Remove a template variable',
      args: [{ name: 'key', help: 'Variable', type: varKeyArg }],
      run: (a, io) =>
        removeFrom(io, a.name as string, (c) => {
          if (!(String(a.key) in c.vars)) return `% Invalid <key> '${a.key}' (word 5): not set in phone-class ${c.name}`;
          const vars = { ...c.vars };
          delete vars[a.key as string];
          return { ...c, vars };
        }),
    },
    {
      word: 'template',
      help: 'Remove the provisioning template',
      run: (a, io) =>
        removeFrom(io, a.name as string, (c) => {
          const copy: { -readonly [K in keyof PhoneClass]: PhoneClass[K] } = { ...c };
          delete copy.template;
          return copy;
        }),
    },
    {
      word: 'port-suboptions',
      help: 'Stop sending the port range in option 43',
      run: (a, io) =>
        removeFrom(io, a.name as string, (c) => {
          const copy: { -readonly [K in keyof PhoneClass]: PhoneClass[K] } = { ...c };
          delete copy.portRangeSubOptions;
          return copy;
        }),
    },
  ];

  return [
    {
      word: 'phone-class',
      help: 'Define or change a phone class (who is a phone, what it is told)',
      args: [{ name: 'name', help: 'Class name', type: classNameArg(ctx, false) }],
      children: sub,
      run: (a, io) => {
        if (phoneClassNamed(ctx.working(), a.name as string)) io.print(`% phone-class ${a.name} exists; add to it with the words listed by 'phone-class ${a.name} ?'`);
        else edit(io, a.name as string, (c) => c);
      },
    },
    {
      word: 'no',
      help: 'Remove something',
      children: [
        {
          word: 'phone-class',
          help: "Remove a phone class ('all' removes every class) or one of its entries",
          args: [{ name: 'name', help: 'Class name', type: classNameArg(ctx, true) }],
          children: noSub,
          run: (a, io) => {
            if (a.name === 'all') {
              ctx.apply(withPhoneClasses(ctx.working(), []), io);
              return;
            }
            if (!phoneClassNamed(ctx.working(), a.name as string)) {
              io.print(`% Invalid <name> '${a.name}' (word 3): no such phone class`);
              return;
            }
            ctx.apply(withoutPhoneClass(ctx.working(), a.name as string), io);
          },
        },
      ],
    },
  ];
}
