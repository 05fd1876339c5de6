// Argument types for commands, most derived from the configuration's value types so `?` shows the
// same syntax everywhere.
import type { ArgType } from '../commandTree';
import { ipv4Type, intType, wordType, textType, type ValueType } from '../../config/valueTypes';

export function fromValueType(type: ValueType, complete?: () => readonly string[]): ArgType {
  return {
    syntax: type.syntax,
    parse: (text) => type.parse(text),
    complete: complete ?? (type.choices ? () => type.choices as readonly string[] : undefined),
  };
}

export const ipArg: ArgType = fromValueType(ipv4Type);
export const intArg = (min: number, max: number, unit = ''): ArgType => fromValueType(intType(min, max, unit));
export const wordArg = (max: number, syntax = 'WORD', complete?: () => readonly string[]): ArgType => fromValueType(wordType(max, syntax), complete);
export const textArg = (max: number): ArgType => fromValueType(textType(max));

export function choiceArg(choices: readonly string[]): ArgType {
  return {
    syntax: choices.join('|'),
    parse(text) {
      const t = text.toLowerCase();
      if (choices.includes(t)) return { ok: true, value: t };
      const partial = choices.filter((c) => c.startsWith(t));
      if (partial.length === 1 && t !== '') return { ok: true, value: partial[0] };
      return { ok: false, reason: `expected one of ${choices.join(', ')}` };
    },
    complete: () => choices,
  };
}
