// Per-process counters for the rig benchmarks: what the router process itself spent.
import { readFileSync, readdirSync } from 'node:fs';

/** CPU time (ns, from schedstat) and context switches of all of a process's threads. */
export function processCounters(pid: number | undefined): { cpuNs: number; switches: number } {
  let cpuNs = 0;
  let switches = 0;
  if (!pid) return { cpuNs, switches };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      cpuNs += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      for (const m of status.matchAll(/ctxt_switches:\s+(\d+)/g)) switches += Number(m[1]);
    } catch {
      // a thread that just ended
    }
  }
  return { cpuNs, switches };
}
