// show ...: everything the owner can look at. Plain text, one fact per line or a table.
import type { CommandIO, CommandNode } from '../commandTree';
import { CONFIG_KEYS, LOG_LEVELS } from '../../config/schema';
import { getValue } from '../../config/model';
import { ipToString } from '../../util/ipv4';
import { macToString } from '../../util/mac';
import { bytesToHex } from '../../util/hex';
import { formatLogEntry, type LogLevel } from '../../log';
import type { LeaseInfo } from '../../dhcp/types';
import { runningConfigLines, WITH_PASSWORD } from './runningConfig';
import { choiceArg, wordArg } from './argTypes';
import { bytes, counterLines, duration, table } from './format';
import { describe, type CommandContext } from './context';
import { PORT_NAMES } from '../../../hal/hal';


export function blockText(lease: LeaseInfo): string {
  return lease.block ? `${lease.block.first}-${lease.block.last}` : '-';
}

export function showCommands(ctx: CommandContext): CommandNode[] {
  const r = ctx.router;
  const missing = (io: CommandIO, what: string) => io.print(`% ${what} is not running`);
  const leases = () => (r.leases ? Array.from(r.leases.all()).sort((a, b) => a.ip - b.ip) : undefined);

  const printStats = (io: CommandIO, all: boolean) => {
    const groups: Array<[string, Record<string, number> | undefined]> = [
      ['stack', r.stack?.counters()],
      ['dhcp', r.dhcp?.counters()],
      ['tftp', r.tftp?.counters()],
      ['nat', r.nat?.counters()],
      ['system', r.extraCounters?.()],
    ];
    for (const [name, counters] of groups) {
      if (!counters) continue;
      const shown: Record<string, number> = {};
      for (const key of Object.keys(counters)) if (all || counters[key] !== 0) shown[key] = counters[key];
      io.print(`${name}:`);
      for (const line of Object.keys(shown).length > 0 ? counterLines(shown) : ['  (all zero)']) io.print(line);
    }
  };

  const printRunningConfig = (io: CommandIO, withPassword: boolean) => {
    for (const line of runningConfigLines(r.config.current, getValue(r.config.current, 'hostname') as string, withPassword)) io.print(line);
  };

  const leasesNode: CommandNode = {
      word: 'leases',
      help: 'DHCP leases: address, MAC, class, port block, time left',
      run: (_a, io) => {
        const all = leases();
        if (!all) return missing(io, 'DHCP');
        const now = r.now();
        const rows = all.map((l) => [ipToString(l.ip), macToString(l.mac), l.phoneClass ?? 'guest', blockText(l), duration(l.expiresAt - now)]);
        for (const line of table(['Address', 'MAC', 'Class', 'Ports', 'Expires'], rows)) io.print(line);
        io.print(`${all.length} leases`);
      },
    };

  const show: CommandNode[] = [
    {
      word: 'version',
      help: 'Firmware version and board',
      run: (_a, io) => {
        io.print(`Plugboard firmware ${r.firmwareVersion}`);
        io.print(`Board ${r.board.name} (${r.board.arch}), console ${r.board.console.device} at ${r.board.console.baud} baud`);
        io.print(`Memory budget ${r.board.memoryBudgetKiB} KiB`);
        io.print(`Uptime ${duration(r.now())}`);
      },
    },
    {
      word: 'status',
      help: 'Uptime, configuration state, store, WAN',
      run: (_a, io) => {
        io.print(`Uptime            ${duration(r.now())}`);
        io.print(`Configuration     ${r.configOrigin ?? 'defaults'}${r.config.unsaved() ? '; changed since, not saved' : ''}`);
        const reload = r.config.needReload();
        if (reload.length > 0) io.print(`Needs reload      ${reload.join(', ')}`);
        if (ctx.candidate) io.print('Configure mode    open (end applies, abort drops)');
        if (ctx.session.recoveredAtBoot) io.print('Console           logged in by password recovery at boot');
        for (const problem of ctx.problems()) io.print(`Config ${problem.severity.padEnd(11)}${describe(problem)}`);
        if (r.store) {
          const u = r.store.usage();
          io.print(`Store             ${bytes(u.usedBytes)} used, ${bytes(u.freeBytes)} free of ${bytes(u.totalBytes)}, ${u.badBlocks} bad blocks`);
          for (const damage of r.store.damage()) io.print(`Store damage      ${damage}`);
        } else io.print('Store             not mounted');
        io.print(`WAN               ${r.wan ? r.wan.statusLine() : 'not running'}`);
        const all = leases();
        if (all) io.print(`Leases            ${all.length} (${all.filter((l) => l.phoneClass !== undefined).length} phones)`);
      },
    },
    {
      word: 'ports',
      help: 'LAN and WAN ports: link, MAC, MTU, address',
      run: (_a, io) => {
        const rows = PORT_NAMES.map((name) => {
          const port = r.ports[name];
          const address = r.stack?.address(name);
          return [name, port.linkUp() ? 'up' : 'down', macToString(port.mac), String(port.mtu), address ? `${ipToString(address.ip)}/${address.prefixLength}` : '-'];
        });
        for (const line of table(['Port', 'Link', 'MAC', 'MTU', 'Address'], rows)) io.print(line);
      },
    },
    leasesNode,
    {
      word: 'phones',
      help: 'Admitted phones: block, boot file, what they fetched, their traffic',
      run: (_a, io) => {
        const all = leases();
        if (!all) return missing(io, 'DHCP');
        const print = (): void => {
          const phones = all.filter((l) => l.phoneClass !== undefined);
          const rows = phones.map((l) => [ipToString(l.ip), macToString(l.mac), l.phoneClass as string, blockText(l), l.bootFile ?? '-', r.tftp?.phoneProgress?.(l.ip) ?? '-', r.nat?.phoneTraffic?.(l.ip) ?? '-']);
          for (const line of table(['Address', 'MAC', 'Class', 'Ports', 'Boot file', 'TFTP', 'Traffic'], rows)) io.print(line);
          io.print(`${phones.length} phones`);
        };
        // Router mode reads the kernel's counters first; ports mode answers at once.
        const refreshing = r.nat?.refresh?.();
        return refreshing ? refreshing.then(print) : print();
      },
    },
    {
      word: 'nat',
      help: 'NAPPT: public address, phone blocks, NAPT mappings',
      run: (_a, io) => {
        const nat = r.nat;
        if (!nat) return missing(io, 'NAPPT');
        const print = (): void => {
          for (const line of nat.statusLines()) io.print(line);
        };
        const refreshing = nat.refresh?.();
        return refreshing ? refreshing.then(print) : print();
      },
    },
    {
      word: 'images',
      help: 'Items in the flash store (phone images, templates)',
      run: (_a, io) => imageList(ctx, io),
    },
    {
      word: 'tftp',
      help: 'TFTP transfers and the upload window',
      run: (_a, io) => {
        if (!r.tftp) return missing(io, 'TFTP');
        for (const line of r.tftp.statusLines()) io.print(line);
      },
    },
    {
      word: 'stats',
      help: "Counters of every service, drops by reason ('show stats all' includes zeros)",
      children: [{ word: 'all', help: 'Include counters that are zero', run: (_a, io) => printStats(io, true) }],
      run: (_a, io) => printStats(io, false),
    },
    {
      word: 'log',
      help: 'Recent log lines (optionally only a level and above)',
      args: [{ name: 'level', help: 'Least severe level shown', type: choiceArg(LOG_LEVELS), optional: true }],
      run: (a, io) => {
        if (!r.log) return missing(io, 'Logging');
        const entries = r.log.entries((a.level as LogLevel | undefined) ?? 'debug');
        for (const entry of entries) io.print(formatLogEntry(entry));
        if (entries.length === 0) io.print('(empty)');
      },
    },
    {
      word: 'running-config',
      help: 'The configuration as commands (paste it into a router to copy it); the password hash is left out',
      children: [{ word: WITH_PASSWORD, help: 'Include the console password hash', run: (_a, io) => printRunningConfig(io, true) }],
      run: (_a, io) => printRunningConfig(io, false),
    },
    {
      word: 'config',
      help: 'Every key with its value, default and whether it needs reload',
      args: [{ name: 'key', help: 'Only keys starting with this', type: wordArg(64, 'PREFIX', () => CONFIG_KEYS.map((d) => d.key)), optional: true }],
      run: (a, io) => {
        const config = ctx.working();
        const rows = CONFIG_KEYS.filter((d) => d.key.startsWith((a.key as string | undefined) ?? '')).map((d) => {
          const value = getValue(config, d.key);
          const shown = d.key === 'console.password-hash' && value !== undefined ? '(set)' : value === undefined ? '(unset)' : d.type.format(value);
          return [d.key, shown, Object.prototype.hasOwnProperty.call(config.values, d.key) ? '' : 'default', d.apply];
        });
        for (const line of table(['Key', 'Value', 'Source', 'Applies'], rows)) io.print(line);
      },
    },
  ];
  // IOS: show ip dhcp binding lists the leases.
  show.push({ word: 'ip', help: 'IOS spellings', children: [{ word: 'dhcp', help: 'DHCP server', children: [{ word: 'binding', help: "Same as 'show leases'", run: leasesNode.run }] }] });
  return [{ word: 'show', help: 'Show router state', children: show }];
}

export function imageList(ctx: CommandContext, io: CommandIO): void {
  const store = ctx.router.store;
  if (!store) {
    io.print('% Store is not mounted');
    return;
  }
  const items = store.list().sort((a, b) => (a.name < b.name ? -1 : 1));
  const rows = items.map((s) => [s.name, String(s.size), bytesToHex(s.sha256).slice(0, 16), usedBy(ctx, s.name)]);
  for (const line of table(['Name', 'Bytes', 'SHA-256 (start)', 'Boot file of'], rows)) io.print(line);
  const u = store.usage();
  io.print(`${items.length} items, ${bytes(u.freeBytes)} free`);
}

export function usedBy(ctx: CommandContext, name: string): string {
  return ctx.working().phoneClasses.filter((c) => c.bootFile === name).map((c) => c.name).join(',') || '-';
}

