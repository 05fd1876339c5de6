// Prints what packaging and flash.sh need from a board file, as shell assignments:
// BOARD_ARCH, PKG_ARCH (opkg's architecture name), CONSOLE_DEV, CONSOLE_BAUD, FORWARDING,
// LAN_PORTS, WAN_PORTS, STORE_BYTES. Refuses boards that are not real routers.
import { readFileSync } from 'node:fs';

// opkg architecture of each board's OpenWrt target (the target's CPU_TYPE/ARCH_PACKAGES:
// ramips/mt7621 and ath79 are 24kc, mediatek/filogic cortex-a53, x86/64 x86_64).
const PACKAGE_ARCH = {
  'xiaomi-mi-router-4a-gigabit': 'mipsel_24kc',
  'glinet-gl-mt3000': 'aarch64_cortex-a53',
  'tplink-archer-c7-v2': 'mips_24kc',
  'x86-64-generic': 'x86_64',
};

// A board file of one's own: the usual opkg architecture of its CPU family.
const BY_ARCH = { x86_64: 'x86_64', mipsel: 'mipsel_24kc', mips: 'mips_24kc', aarch64: 'aarch64_cortex-a53', armhf: 'arm_cortex-a7_neon-vfpv4' };

const [file] = process.argv.slice(2);
const board = JSON.parse(readFileSync(file, 'utf8'));
const pkgArch = PACKAGE_ARCH[board.name] ?? (board.name === 'sim' || board.name === 'host' ? undefined : BY_ARCH[board.arch]);
if (!pkgArch || !board.console?.device) {
  console.error(`board ${board.name}: not a router flash.sh can pack for (the simulated board and the host board are not)`);
  process.exit(2);
}
const q = (v) => `'${String(v).replace(/'/g, `'\\''`)}'`;
const out = {
  BOARD_NAME: board.name,
  BOARD_ARCH: board.arch,
  PKG_ARCH: pkgArch,
  CONSOLE_DEV: board.console.device,
  CONSOLE_BAUD: board.console.baud,
  FORWARDING: board.forwarding ?? 'ports',
  LAN_PORTS: board.ports.lan.interfaces.join(' '),
  WAN_PORTS: board.ports.wan.interfaces.join(' '),
  STORE_BYTES: board.flash.size,
};
for (const [k, v] of Object.entries(out)) console.log(`${k}=${q(v)}`);
