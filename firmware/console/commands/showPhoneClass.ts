// `show phone-class [name]`: every class in force, shipped ones included, with what it matches and
// what its phones are told, and whether it is as shipped, changed, or added by the owner.
import type { CommandNode } from '../commandTree';
import { DEFAULT_CONFIG, phoneClassKey, type PhoneClass } from '../../config/model';
import { wordArg } from './argTypes';
import type { CommandContext } from './context';

function origin(c: PhoneClass): string {
  const shipped = DEFAULT_CONFIG.phoneClasses.find((b) => b.name === c.name);
  if (!shipped) return 'added';
  return phoneClassKey(shipped) === phoneClassKey(c) ? 'shipped' : 'shipped, changed';
}

export function phoneClassDetail(c: PhoneClass): string[] {
  const none = (list: readonly string[], empty: string) => (list.length > 0 ? list.join(', ') : empty);
  const lines = [
    `phone-class ${c.name} (${origin(c)})`,
    `  Vendor classes  ${none(c.vendorClasses, 'any (MAC decides)')}`,
    `  MACs            ${none(c.macs, 'any')}`,
    `  Block size      ${2 ** (16 - c.psidLength)} ports`,
    `  Boot file       ${c.bootFile === '' ? '-' : c.bootFile}`,
    `  Template        ${c.template ?? '-'}`,
    `  Port params     ${c.sendPortParams}${c.portRangeSubOptions ? `; option 43 sub-options ${c.portRangeSubOptions.first} ${c.portRangeSubOptions.last}` : ''}`,
  ];
  for (const option of c.options) lines.push(`  Option ${option.code}       ${option.text !== undefined ? `text ${option.text}` : `hex ${option.hex}`}`);
  const vars = Object.keys(c.vars);
  lines.push(`  Vars            ${vars.length > 0 ? vars.map((k) => `${k}=${c.vars[k]}`).join(' ') : '-'}`);
  return lines;
}

export function showPhoneClassNode(ctx: CommandContext): CommandNode {
  const names = () => ctx.router.config.current.phoneClasses.map((c) => c.name);
  return {
    word: 'phone-class',
    minPrefix: 'phone-'.length, // `sh ph` stays `show phones`
    help: 'Phone classes in force (shipped ones included): patterns, MACs, block, boot file, vars',
    args: [{ name: 'name', help: 'One class', type: wordArg(32, 'NAME', names), optional: true }],
    run: (args, io) => {
      const classes = ctx.router.config.current.phoneClasses;
      const name = args.name as string | undefined;
      const shown = name === undefined ? classes : classes.filter((c) => c.name === name);
      if (shown.length === 0) return io.print(`% No phone class '${name}' (classes: ${names().join(', ') || 'none'})`);
      shown.forEach((c, i) => {
        if (i > 0) io.print('');
        for (const line of phoneClassDetail(c)) io.print(line);
      });
      if (name === undefined) io.print(`${classes.length} classes`);
    },
  };
}
