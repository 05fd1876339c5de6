// image, save/reload/factory-reset, ping, clear counters, logout, help (and lease, from lease.ts).
import type { ArgType, CommandIO, CommandNode } from '../commandTree';
import { DEFAULT_CONFIG, getValue } from '../../config/model';
import { encodeConfig, CONFIG_RECORD_KEY } from '../../config/record';
import { ipToString, sameSubnet, subnetToString } from '../../util/ipv4';
import { ipArg, intArg, wordArg } from './argTypes';
import { bytes, duration } from './format';
import { imageList, usedBy } from './show';
import { bytesToHex } from '../../util/hex';
import type { CommandContext } from './context';
import { leaseCommand } from './lease';

const yes = (answer: string) => /^(y|yes)$/i.test(answer.trim());

/** `image upload cancel <window|all>`: a window's number or every window. */
const uploadWindowArg: ArgType = {
  syntax: '<1-99999>|all',
  parse(text) {
    if ('all'.startsWith(text.toLowerCase()) && text !== '') return { ok: true, value: 'all' };
    const n = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
    return n >= 1 ? { ok: true, value: n } : { ok: false, reason: "expected a window number ('image upload' lists them) or all" };
  },
  complete: () => ['all'],
};

export function systemCommands(ctx: CommandContext): CommandNode[] {
  const r = ctx.router;
  const storeNames = () => r.store?.list().map((s) => s.name) ?? [];

  const image: CommandNode = {
    word: 'image',
    help: 'Phone images in the flash store',
    children: [
      { word: 'list', help: 'List the stored items', run: (_a, io) => imageList(ctx, io) },
      {
        word: 'info',
        help: 'Size, checksum, age and users of one item',
        args: [{ name: 'name', help: 'Item name', type: wordArg(128, 'NAME', storeNames) }],
        run: (a, io) => {
          if (!r.store) return io.print('% Store is not mounted');
          const stat = r.store.stat(a.name as string);
          if (!stat) return io.print(`% Invalid <name> '${a.name}' (word 3): no such item in the store`);
          io.print(`Name        ${stat.name}`);
          io.print(`Size        ${stat.size} bytes (${bytes(stat.size)})`);
          io.print(`SHA-256     ${bytesToHex(stat.sha256)}`);
          const wall = r.wallClock();
          io.print(`Committed   ${wall !== undefined && stat.committedAt > 1e12 ? `${duration(wall - stat.committedAt)} ago` : `at ${duration(stat.committedAt)} after a boot`}`);
          io.print(`Boot file of ${usedBy(ctx, stat.name)}`);
        },
      },
      {
        word: 'remove',
        help: 'Delete an item from the store',
        args: [{ name: 'name', help: 'Item name', type: wordArg(128, 'NAME', storeNames) }],
        run: async (a, io) => {
          if (!r.store) return io.print('% Store is not mounted');
          const name = a.name as string;
          if (!r.store.stat(name)) return io.print(`% Invalid <name> '${name}' (word 3): no such item in the store`);
          const users = usedBy(ctx, name);
          if (users !== '-' && !yes(await io.ask(`'${name}' is the boot file of ${users}. Remove it anyway? [y/N] `))) return io.print('% Not removed');
          const failure = await r.store.remove(name);
          io.print(failure ? `% Remove failed: ${failure.message}` : `Removed ${name}`);
        },
      },
      {
        word: 'upload',
        help: 'Open a TFTP upload window for one LAN host; alone, list the open windows',
        args: [
          { name: 'lan-host', help: 'The LAN host that will send (tftp put)', type: ipArg, optional: true },
          { name: 'name', help: 'Accept only this name, stored as it (default: any name the host sends)', type: wordArg(128, 'NAME'), optional: true },
          { name: 'minutes', help: 'How long the window stays open (default 10)', type: intArg(1, 120), optional: true },
        ],
        children: [
          {
            word: 'cancel',
            help: 'Close an upload window before its time',
            args: [{ name: 'window', help: "Its number ('image upload' lists them), or all", type: uploadWindowArg }],
            run: (a, io) => {
              if (!r.tftp) return io.print('% TFTP is not running');
              if (a['lan-host'] !== undefined) return io.print("% 'cancel' comes right after 'image upload'");
              const outcome = r.tftp.cancelUploadWindow(a.window as number | 'all');
              io.print(outcome.ok ? outcome.message : `% Not closed: ${outcome.reason}`);
            },
          },
        ],
        run: (a, io) => {
          if (!r.tftp) return io.print('% TFTP is not running');
          const host = a['lan-host'] as number | undefined;
          if (host === undefined) {
            for (const line of r.tftp.uploadWindowLines()) io.print(line);
            return;
          }
          const config = r.config.current;
          const lan = getValue(config, 'lan.address') as number;
          const prefix = getValue(config, 'lan.prefix') as number;
          if (!sameSubnet(host, lan, prefix) || host === lan) {
            return io.print(`% Invalid <lan-host> '${ipToString(host)}' (word 3): not a host in the LAN subnet ${subnetToString(lan, prefix)}`);
          }
          const outcome = r.tftp.openUploadWindow(host, a.name as string | undefined, (a.minutes as number | undefined) ?? 10);
          io.print(outcome.ok ? outcome.message : `% Upload window not opened: ${outcome.reason}`);
        },
      },
    ],
  };

  const save: CommandNode = {
    word: 'save',
    help: 'Write the running configuration to flash (atomically)',
    run: async (_a, io) => {
      if (ctx.candidate) return io.print("% In configure mode: 'end' or 'abort' first");
      if (!r.store) return io.print('% Store is not mounted; nothing saved');
      const failure = await r.config.save(r.store);
      io.print(failure ? `% Save failed (${failure.message}); the previous configuration stays on flash` : 'Configuration saved');
    },
  };

  // IOS spellings of save: `write memory` (or `wr`) and `copy running-config startup-config`.
  const write: CommandNode = {
    word: 'write',
    help: "Same as 'save' (IOS: write memory, wr)",
    run: save.run,
    children: [{ word: 'memory', help: "Same as 'save'", run: save.run }],
  };
  const copy: CommandNode = {
    word: 'copy',
    help: 'Copy a configuration (IOS spelling of save)',
    children: [{ word: 'running-config', help: 'The running configuration', children: [{ word: 'startup-config', help: "To flash: same as 'save'", run: save.run }] }],
  };

  const reload: CommandNode = {
    word: 'reload',
    help: 'Restart the firmware (with the saved configuration)',
    run: async (_a, io) => {
      if (r.config.unsaved() && !yes(await io.ask('The configuration has unsaved changes that a reload loses. Reload anyway? [y/N] '))) return io.print('% Reload cancelled');
      io.print('Reloading...');
      r.reboot();
    },
  };

  const factoryReset: CommandNode = {
    word: 'factory-reset',
    help: 'Forget the saved configuration and restart with defaults (images stay)',
    run: async (_a, io) => {
      if (!r.store) return io.print('% Store is not mounted');
      if (!yes(await io.ask('Erase the saved configuration and restart with factory defaults? [y/N] '))) return io.print('% Factory reset cancelled');
      const failure = await r.store.setRecord(CONFIG_RECORD_KEY, encodeConfig(DEFAULT_CONFIG));
      if (failure) return io.print(`% Factory reset failed (${failure.message}); nothing changed`);
      io.print('Configuration reset to defaults. Reloading...');
      r.reboot();
    },
  };

  const ping: CommandNode = {
    word: 'ping',
    help: 'Ping from the router',
    args: [
      { name: 'address', help: 'Destination', type: ipArg },
      { name: 'count', help: 'Echo requests (default 4)', type: intArg(1, 100), optional: true },
    ],
    run: async (a, io) => {
      if (!r.stack) return io.print('% The IP stack is not running');
      const target = ipToString(a.address as number);
      const count = (a.count as number | undefined) ?? 4;
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        const rtt = await r.stack.ping(a.address as number, 1000);
        if (rtt === undefined) io.print(`Request ${i + 1} to ${target}: timed out`);
        else {
          times.push(rtt);
          io.print(`Reply from ${target}: seq=${i + 1} time=${rtt.toFixed(1)} ms`);
        }
      }
      const loss = Math.round((100 * (count - times.length)) / count);
      const summary = times.length > 0 ? `, rtt min/avg/max ${Math.min(...times).toFixed(1)}/${(times.reduce((s, t) => s + t, 0) / times.length).toFixed(1)}/${Math.max(...times).toFixed(1)} ms` : '';
      io.print(`${count} sent, ${times.length} received, ${loss}% loss${summary}`);
    },
  };

  const clear: CommandNode = {
    word: 'clear',
    help: 'Reset things',
    children: [
      {
        word: 'counters',
        help: 'Zero the counters of every service',
        run: (_a, io) => {
          r.stack?.clearCounters();
          r.dhcp?.clearCounters();
          r.tftp?.clearCounters();
          r.nat?.clearCounters();
          io.print('Counters cleared');
        },
      },
    ],
  };

  const logout: CommandNode = {
    word: 'logout',
    help: 'End this session (asks for the password again if one is set)',
    run: () => ctx.session.logout(),
  };

  const help: CommandNode = {
    word: 'help',
    help: 'How to use this console',
    run: (_a, io: CommandIO) => {
      for (const line of HELP_TEXT) io.print(line);
    },
  };

  return [image, leaseCommand(ctx), save, write, copy, reload, factoryReset, ping, clear, logout, help];
}

const HELP_TEXT = [
  'Type ? anywhere for what may come next; Tab completes a word.',
  "Words may be shortened while unambiguous: 'sh le' is 'show leases'.",
  'Editing: Backspace/DEL, Ctrl-A/E start/end, Ctrl-B/F or arrows move,',
  '  Ctrl-U/K erase to start/end, Ctrl-W erase a word, Ctrl-C drop the line,',
  '  Up/Down or Ctrl-P/N history.',
  'Long output pauses at --More--: Space next page, Enter next line, q stop;',
  "  'terminal length 0' never pauses.",
  "Changes apply at once (or say they need 'reload'); 'save' keeps them across restarts.",
  "'configure' ... 'end' checks a batch of changes together (as 'show running-config' prints).",
];
