// set / unset of every schema key (so `?` lists and documents each), configure mode, log level and
// terminal length.
import type { CommandIO, CommandNode } from '../commandTree';
import { CONFIG_KEYS, LOG_LEVELS, type KeyDef } from '../../config/schema';
import { withValue } from '../../config/model';
import { PasswordHashing } from '../../config/password';
import { fromValueType, choiceArg, intArg, textArg } from './argTypes';
import { describe, type CommandContext } from './context';

function keyHelp(def: KeyDef): string {
  const fallback = def.defaultValue === undefined ? 'unset' : def.type.format(def.defaultValue);
  return `${def.help} [default ${fallback}${def.apply === 'reload' ? '; needs reload' : ''}]`;
}

export function settingsCommands(ctx: CommandContext): CommandNode[] {
  const setKeys: CommandNode[] = CONFIG_KEYS.map((def) => ({
    word: def.key,
    help: keyHelp(def),
    args: [{ name: 'value', help: def.help, type: fromValueType(def.type) }],
    run: (args, io) => {
      ctx.apply(withValue(ctx.working(), def.key, args.value as never), io);
    },
  }));
  const password: CommandNode = {
    word: 'console.password',
    help: 'Console password (stored as a salted hash; `unset console.password` removes it)',
    args: [{ name: 'password', help: 'New password, 1-64 characters', type: textArg(64) }],
    run: async (args, io) => {
      const text = args.password as string;
      if (text.length === 0) {
        io.print("% Invalid <password> '' (word 3): empty; use 'unset console.password' to remove it");
        return;
      }
      const hashing = new PasswordHashing(text, (into) => ctx.router.randomFill(into));
      while (!hashing.step()) if (ctx.router.pause) await ctx.router.pause();
      if (ctx.apply(withValue(ctx.working(), 'console.password-hash', hashing.hash()), io)) io.print('% Password set; it is asked at the next login.');
    },
  };
  const unsetKeys: CommandNode[] = [
    ...CONFIG_KEYS.map((def) => ({
      word: def.key,
      help: `Back to the default (${def.defaultValue === undefined ? 'unset' : def.type.format(def.defaultValue)})`,
      run: (_args: unknown, io: Parameters<NonNullable<CommandNode['run']>>[1]) => {
        ctx.apply(withValue(ctx.working(), def.key, undefined), io);
      },
    })),
    {
      word: 'console.password',
      help: 'Remove the console password',
      run: (_args, io) => {
        ctx.apply(withValue(ctx.working(), 'console.password-hash', undefined), io);
      },
    },
  ];

  return [
    { word: 'set', help: 'Change a configuration key', children: [...setKeys, password] },
    { word: 'unset', help: 'Return a configuration key to its default', children: unsetKeys },
    { word: 'configure', help: 'Batch changes: checked together and applied at `end` (pasted configurations use it)', run: (_a, io) => enterConfigure(ctx, io), children: [{ word: 'terminal', help: 'The same (as IOS spells it: conf t)', run: (_a, io) => enterConfigure(ctx, io) }] },
    { word: 'end', help: 'Leave configure mode, applying the batch if every line was valid and every rule holds', run: (_a, io) => endBatch(ctx, io) },
    { word: 'exit', help: "Leave configure mode as 'end' does ('logout' ends the session)", run: (_a, io) => (ctx.candidate ? endBatch(ctx, io) : io.print("% Not in configure mode; 'logout' ends the session")) },
    {
      word: 'abort',
      help: 'Leave configure mode, dropping the changes',
      run: (_args, io) => {
        if (!ctx.candidate) io.print('% Not in configure mode');
        ctx.candidate = undefined;
        ctx.batchFailures = [];
      },
    },
    {
      word: 'log',
      help: 'Logging',
      children: [
        {
          word: 'level',
          help: 'Least severe level shown on the console and kept (same as set log.level)',
          args: [{ name: 'level', help: 'Log level', type: choiceArg(LOG_LEVELS) }],
          run: (args, io) => {
            ctx.apply(withValue(ctx.working(), 'log.level', args.level as string), io);
          },
        },
      ],
    },
    {
      word: 'terminal',
      help: 'This session only',
      children: [
        {
          word: 'length',
          help: 'Lines per --More-- page (0: never pause; for dumb terminals and scripts)',
          args: [{ name: 'lines', help: 'Lines', type: intArg(0, 500) }],
          run: (args) => ctx.session.setTerminalLength(args.lines as number),
        },
      ],
    },
  ];
}

function enterConfigure(ctx: CommandContext, io: CommandIO): void {
  if (ctx.candidate) return io.print('% Already in configure mode');
  ctx.candidate = ctx.router.config.current;
  ctx.batchFailures = [];
  io.print("% Configure mode: changes are checked together at 'end'; 'abort' drops them.");
}

/** `end`: a batch with a bad line applies nothing (no partial apply: fix the line and run the batch again). */
function endBatch(ctx: CommandContext, io: CommandIO): void {
  const candidate = ctx.candidate;
  if (!candidate) return io.print('% Not in configure mode');
  const failures = ctx.batchFailures;
  ctx.candidate = undefined;
  ctx.batchFailures = [];
  if (failures.length > 0) {
    io.print(`% Batch failed: ${failures.length} bad line${failures.length === 1 ? '' : 's'}; nothing was applied.`);
    for (const failure of failures) io.print(`%   '${failure.line}': ${failure.message.replace(/^% /, '')}`);
    return;
  }
  ctx.commit(candidate, io);
}

export { describe };
