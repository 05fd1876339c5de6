// State shared by the commands of one session: the router, the session's own knobs, and the
// candidate configuration while in `configure` mode (checked as a whole at `end`).
import type { ConsoleRouter } from '../router';
import type { CommandIO } from '../commandTree';
import type { RouterConfig } from '../../config/model';
import type { ConfigProblem } from '../../config/validate';
import { errorsOf, validateConfig } from '../../config/validate';
import { keyDef } from '../../config/schema';
import { matchProvisioningName } from '../../tftp/provisioning';

export interface SessionControl {
  setTerminalLength(lines: number | undefined): void;
  logout(): void;
  /** The boot-time password recovery key was used this boot. */
  readonly recoveredAtBoot: boolean;
}

export class CommandContext {
  /** Set between `configure` and `end`. */
  candidate: RouterConfig | undefined;
  /** Lines of the current batch that were refused; `end` then applies nothing. */
  batchFailures: Array<{ line: string; message: string }> = [];

  constructor(
    readonly router: ConsoleRouter,
    readonly session: SessionControl,
  ) {}

  /** The configuration commands edit: the candidate in configure mode, else the running one. */
  working(): RouterConfig {
    return this.candidate ?? this.router.config.current;
  }

  /**
   * Apply an edited configuration. In configure mode it only becomes the candidate (rules are checked
   * at `end`); otherwise it must pass every rule now or nothing changes.
   */
  apply(next: RouterConfig, io: CommandIO): boolean {
    if (this.candidate) {
      this.candidate = next;
      return true;
    }
    return this.commit(next, io);
  }

  commit(next: RouterConfig, io: CommandIO): boolean {
    const result = this.router.config.propose(next);
    if (!result.ok) {
      for (const problem of result.errors) io.print(`% Refused, ${describe(problem)}`);
      io.print('% Nothing was changed.');
      return false;
    }
    for (const warning of result.warnings) io.print(`% Warning, ${describe(warning)}`);
    const reloadNow = result.changed.filter((key) => keyDef(key)?.apply === 'reload');
    if (reloadNow.length > 0) io.print(`% ${reloadNow.join(', ')}: takes effect after 'save' and 'reload'`);
    return true;
  }

  /** Problems the whole working configuration has now (for `end` and `show status`). */
  problems(): ConfigProblem[] {
    return [...validateConfig(this.working()), ...this.bootFileWarnings()];
  }

  /** Boot files that are neither items in the store nor names TFTP renders from a template. */
  bootFileWarnings(): ConfigProblem[] {
    const store = this.router.store;
    if (!store) return [];
    return this.working()
      .phoneClasses.filter((c) => c.bootFile !== '' && !store.stat(c.bootFile) && !matchProvisioningName(c.bootFile))
      .map((c) => ({ severity: 'warning' as const, key: `phone-class ${c.name}`, message: `boot-file '${c.bootFile}' is not in the store (image upload <lan-host> ${c.bootFile})` }));
  }

  /** A line typed in configure mode was refused: the batch is marked failed. */
  lineFailed(line: string, message: string): void {
    if (this.candidate) this.batchFailures.push({ line: line.trim(), message });
  }

  errors(): ConfigProblem[] {
    return errorsOf(this.problems());
  }
}

export function describe(problem: ConfigProblem): string {
  return `${problem.key}: ${problem.message}`;
}
