// Network-namespace plumbing for the rig: run commands inside a namespace, check that namespaces
// can be made here, and remove what a crashed run of the rig left behind (only the rig's own names).
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Every rig namespace is `<rigId>-<role>` with rigId `pb-<owner pid>-<n>`. Nothing else is touched. */
export const RIG_ID_PATTERN = /^(pb-\d+-\d+)-[a-z0-9-]+$/;
export const STATE_ROOT = '/tmp/pb-rig';

export interface ExecResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run a command to completion (in `ns`, or on the host when ns is undefined). */
export function run(ns: string | undefined, argv: readonly string[], timeoutMs = 10_000): ExecResult {
  const full = ns === undefined ? argv : ['ip', 'netns', 'exec', ns, ...argv];
  const result = spawnSync(full[0], full.slice(1), { encoding: 'utf8', timeout: timeoutMs });
  return { status: result.status, stdout: result.stdout ?? '', stderr: (result.stderr ?? '') + (result.error ? String(result.error) : '') };
}

/** Like run, but fails loudly: the rig's own setup steps must all succeed. */
export function must(ns: string | undefined, argv: readonly string[], timeoutMs = 10_000): string {
  const result = run(ns, argv, timeoutMs);
  if (result.status !== 0) throw new Error(`rig: '${argv.join(' ')}'${ns ? ` in ${ns}` : ''} failed (${result.status}): ${result.stderr.trim()}`);
  return result.stdout;
}

/** Asynchronous run, for long commands (ping, clients) while the test keeps its event loop. */
export function runAsync(ns: string | undefined, argv: readonly string[], timeoutMs = 10_000): Promise<ExecResult> {
  const full = ns === undefined ? argv : ['ip', 'netns', 'exec', ns, ...argv];
  return new Promise((resolve) => {
    execFile(full[0], full.slice(1), { encoding: 'utf8', timeout: timeoutMs }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ status, stdout: stdout ?? '', stderr: (stderr ?? '') + (error && status === null ? String(error) : '') });
    });
  });
}

export function listNamespaces(): string[] {
  const result = run(undefined, ['ip', 'netns', 'list']);
  return result.stdout
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter((name) => name !== '');
}

/** Why namespace tests cannot run here, or undefined when they can. */
export function namespacesUnavailable(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (network namespaces need CAP_SYS_ADMIN)';
  const probe = `pb-${process.pid}-probe`;
  const added = run(undefined, ['ip', 'netns', 'add', probe]);
  if (added.status !== 0) return `cannot create a network namespace: ${added.stderr.trim() || 'ip netns add failed'}`;
  const veth = run(probe, ['ip', 'link', 'add', 'name', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1']);
  run(undefined, ['ip', 'netns', 'del', probe]);
  if (veth.status !== 0) return `cannot create veth pairs: ${veth.stderr.trim()}`;
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The PID that owns a rig (its test process, or the router of a rig made by hand). */
export function ownerOf(rigId: string): number | undefined {
  const file = join(STATE_ROOT, rigId, 'owner');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Kill the processes we started inside a namespace (by PID), then delete it. */
export function deleteNamespace(ns: string): void {
  const pids = run(undefined, ['ip', 'netns', 'pids', ns]).stdout.split('\n').map(Number).filter((pid) => pid > 0);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  run(undefined, ['ip', 'netns', 'del', ns]);
}

/**
 * Remove rigs whose owner is gone (a crashed or killed test): their namespaces (which takes their
 * veth pairs with them) and state directories. Live rigs of other processes are left alone.
 */
export function cleanStale(): string[] {
  const removed: string[] = [];
  for (const ns of listNamespaces()) {
    const match = RIG_ID_PATTERN.exec(ns);
    if (!match) continue;
    const owner = ownerOf(match[1]);
    if (owner !== undefined && alive(owner)) continue;
    deleteNamespace(ns);
    removed.push(ns);
  }
  if (existsSync(STATE_ROOT)) {
    for (const entry of run(undefined, ['ls', STATE_ROOT]).stdout.split('\n').filter((e) => /^pb-\d+-\d+$/.test(e))) {
      const owner = ownerOf(entry);
      if (owner === undefined || !alive(owner)) rmSync(join(STATE_ROOT, entry), { recursive: true, force: true });
    }
  }
  return removed;
}
