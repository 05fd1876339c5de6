// hal/sim: the deterministic simulation host of the HAL — virtual clock and scheduler, seeded
// randomness, Ethernet links and a learning switch, the serial console, the flash emulator, the
// simulated board (power cuts, reboots) and simulated hosts for tests.
export { Scheduler } from './scheduler';
export type { EventId } from './scheduler';
export { Rng } from './random';
export { Link, LinkEnd, connect, PERFECT_LINK } from './link';
export type { LinkConditions, LinkOptions, LinkStats, FrameReceiver, Pluggable } from './link';
export { LearningSwitch } from './switch';
export type { SwitchOptions, SwitchStats } from './switch';
export { FrameLog } from './frame-log';
export type { FrameRecord, FrameEvent } from './frame-log';
export { SimConsole } from './console';
export type { SimConsoleOptions, SimConsoleStats } from './console';
export { SimFlash } from './flash';
export { SimBoard, SimPort } from './board';
export type { SimBoardOptions, SimPortStats } from './board';
export { SimHost } from './host';
export type { SimHostOptions, EchoReply, ReceivedUdp, SimHostStats } from './host';
export { buildArp, buildIpv4, buildUdp, buildEcho, udpSegment, icmpMessage, parseFrame, BROADCAST } from './frames';
export type { ParsedFrame, IpFrameOptions } from './frames';
export { Testbed } from './testbed';
export type { TestbedOptions } from './testbed';
