// Puts a console session on the HAL serial port: commands from the router's services, the prompt
// from the configuration, input with the current time, and log lines printed above the prompt.
import type { Console } from '../../hal/hal';
import { ConsoleSession } from './session';
import { buildCommands, CommandContext } from './commands';
import type { ConsoleRouter } from './router';
import { getValue } from '../config/model';
import { PasswordCheck } from '../config/password';

export interface RouterConsole {
  readonly session: ConsoleSession;
  readonly context: CommandContext;
}

/**
 * Attach a session to `port`. The caller adds `session` to the reactor (its pollAt ends login
 * delays), passes its reschedule as `afterInput`, and calls `session.start(now)` when ready.
 */
export function createConsole(router: ConsoleRouter, port: Console, afterInput?: () => void): RouterConsole {
  let context: CommandContext | undefined;
  const session: ConsoleSession = new ConsoleSession({
    commands: () => commands,
    write: (bytes) => port.write(bytes),
    prompt: () => `${getValue(router.config.current, 'hostname') as string}${context?.candidate ? '(config)' : ''}> `,
    passwordHash: () => getValue(router.config.current, 'console.password-hash') as string | undefined,
    checkPassword: (password, hash) => new PasswordCheck(password, hash),
    pageLength: () => getValue(router.config.current, 'console.page-length') as number,
    lineFailed: (line, message) => context?.lineFailed(line, message),
    banner: `Plugboard ${router.firmwareVersion} on ${router.board.name}. Type ? for help.`,
  });
  context = new CommandContext(router, session);
  const commands = buildCommands(context);
  port.onInput = (bytes) => {
    session.input(bytes, router.now());
    afterInput?.(); // the reactor re-reads pollAt (a wrong password starts a delay)
  };
  return { session, context };
}
