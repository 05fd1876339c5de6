// The console's command tree, built per session from the router's services.
import type { CommandNode } from '../commandTree';
import { CommandContext, type SessionControl } from './context';
import type { ConsoleRouter } from '../router';
import { showCommands } from './show';
import { settingsCommands } from './settings';
import { phoneClassCommands } from './phoneClass';
import { systemCommands } from './system';

export { CommandContext, describe, type SessionControl } from './context';
export { runningConfigLines, phoneClassLines } from './runningConfig';

export function buildCommands(ctx: CommandContext): CommandNode[] {
  return [...showCommands(ctx), ...settingsCommands(ctx), ...phoneClassCommands(ctx), ...systemCommands(ctx)].sort((a, b) => (a.word < b.word ? -1 : 1));
}

export function commandContext(router: ConsoleRouter, session: SessionControl): CommandContext {
  return new CommandContext(router, session);
}
