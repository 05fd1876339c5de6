// Services are pure state machines (smoltcp's sockets): they never read a clock or create timers.
// The reactor feeds them input with the current time, lets them emit, and sleeps until the
// smallest pollAt of all services.

export interface Service {
  readonly name: string;
  /** The virtual or real time (ms) at which dispatch must run next, or undefined if idle. */
  pollAt(): number | undefined;
  /** Run timers that are due at `now` (retransmits, expiries) and send what they produce. */
  dispatch(now: number): void;
}
