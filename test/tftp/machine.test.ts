// The pure read/write transfer machines, as scripts: input at time t, exactly these packets out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReadTransfer } from '../../firmware/tftp/readTransfer';
import { WriteTransfer } from '../../firmware/tftp/writeTransfer';
import { wireBlock, seqDelta } from '../../firmware/tftp/blockNumbers';
import type { TransferParams } from '../../firmware/tftp/params';
import { buildOack, parsePacket, Opcode } from '../../firmware/wire/tftp';

const params = (over: Partial<TransferParams> = {}): TransferParams => ({
  blockSize: 8, windowSize: 1, timeoutMs: 1000, maxTimeoutMs: 4000, maxRetries: 3, rolloverTo: 0, readAhead: 1, ...over,
});

/** Records what a machine sends as short strings: D<n>:<len>, A<n>, E<code>, OACK. */
function recorder(): { out: string[]; send: (p: Uint8Array) => void; take: () => string[] } {
  const out: string[] = [];
  return {
    out,
    send: (p) => {
      const r = parsePacket(p);
      if (!r.ok) throw new Error('machine sent garbage');
      const x = r.packet;
      out.push(x.op === Opcode.DATA ? `D${x.block}:${x.payload.length}` : x.op === Opcode.ACK ? `A${x.block}` : x.op === Opcode.ERROR ? `E${x.code}` : 'OACK');
    },
    take: () => out.splice(0),
  };
}

/** Feed `count` blocks of blockSize (the last one `lastLength`) as room allows. */
function feed(m: ReadTransfer, now: number, send: (p: Uint8Array) => void, state: { next: number }, total: number, lastLength: number): void {
  while (m.room() > 0 && state.next <= total) {
    const buf = m.takeBuffer();
    const len = state.next === total ? lastLength : m.params.blockSize;
    buf.fill(state.next & 0xff, 4, 4 + len);
    m.pushBlock(now, buf, len, send);
    state.next++;
  }
}

test('lock-step with OACK: OACK, ACK 0, DATA 1.., duplicate ACK ignored, final ACK completes', () => {
  const r = recorder();
  const m = new ReadTransfer(params(), buildOack([{ name: 'blksize', value: '8' }]), 0, r.send);
  assert.equal(r.take(), ['OACK']);
  const st = { next: 1 };
  feed(m, 0, r.send, st, 3, 5);
  assert.equal(r.take(), [], 'nothing before ACK 0');
  m.onAck(10, 0, r.send);
  assert.equal(r.take(), ['D1:8']);
  assert.is(m.pollAt(), 1010);
  m.onAck(20, 1, r.send);
  feed(m, 20, r.send, st, 3, 5);
  assert.equal(r.take(), ['D2:8']);
  m.onAck(25, 1, r.send); // a delayed duplicate of ACK 1
  m.onAck(26, 1, r.send);
  assert.equal(r.take(), [], "Sorcerer's Apprentice: no resend on a duplicate ACK");
  assert.is(m.duplicateAcks, 2);
  m.onAck(30, 2, r.send);
  feed(m, 30, r.send, st, 3, 5);
  assert.equal(r.take(), ['D3:5']);
  m.onAck(40, 3, r.send);
  assert.ok(m.done);
  assert.is(m.endReason, 'complete');
  assert.is(m.bytesAcked, 21);
  assert.is(m.pollAt(), undefined);
});

test('timeout: resend at exactly the deadline, backoff 1 s, 2 s, 4 s, 4 s, then give up', () => {
  const r = recorder();
  const m = new ReadTransfer(params(), undefined, 0, r.send);
  feed(m, 0, r.send, { next: 1 }, 10, 8);
  assert.equal(r.take(), ['D1:8']);
  const times: number[] = [];
  for (let i = 0; i < 6 && !m.done; i++) {
    const at = m.pollAt() as number;
    m.dispatch(at - 1, r.send);
    assert.equal(r.take(), [], 'not before the deadline');
    m.dispatch(at, r.send);
    times.push(at);
    if (!m.done) assert.equal(r.take(), ['D1:8']);
  }
  assert.equal(times, [1000, 3000, 7000, 11000]);
  assert.ok(m.done);
  assert.is(m.endReason, 'timeout');
  assert.is(m.retransmits, 3);
});

test('window of 4: ACK inside the window resends from n+1; ACK of the window end slides it', () => {
  const r = recorder();
  const m = new ReadTransfer(params({ windowSize: 4, readAhead: 2 }), undefined, 0, r.send);
  const st = { next: 1 };
  feed(m, 0, r.send, st, 12, 3);
  assert.equal(r.take(), ['D1:8', 'D2:8', 'D3:8', 'D4:8']);
  m.onAck(5, 2, r.send); // the receiver saw a gap after 2
  feed(m, 5, r.send, st, 12, 3);
  assert.equal(r.take(), ['D3:8', 'D4:8', 'D5:8', 'D6:8']);
  m.onAck(6, 1, r.send); // stale
  m.onAck(7, 2, r.send); // duplicate
  assert.equal(r.take(), []);
  m.onAck(10, 6, r.send);
  feed(m, 10, r.send, st, 12, 3);
  assert.equal(r.take(), ['D7:8', 'D8:8', 'D9:8', 'D10:8']);
  // Timeout resends the whole window from the first unacknowledged block.
  m.dispatch(m.pollAt() as number, r.send);
  assert.equal(r.take(), ['D7:8', 'D8:8', 'D9:8', 'D10:8']);
  m.onAck(1020, 10, r.send);
  feed(m, 1020, r.send, st, 12, 3);
  assert.equal(r.take(), ['D11:8', 'D12:3']);
  m.onAck(1030, 12, r.send);
  assert.is(m.endReason, 'complete');
});

test('a full port queue: the window stops at the refused block, resume() goes on from it, nothing counted as lost', () => {
  const r = recorder();
  let room = 2;
  // The port takes `room` more packets, then refuses (returns false) until room is given again.
  const send = (p: Uint8Array): boolean => {
    if (room === 0) return false;
    room--;
    r.send(p);
    return true;
  };
  const m = new ReadTransfer(params({ windowSize: 4 }), undefined, 0, send);
  const st = { next: 1 };
  feed(m, 0, send, st, 6, 3);
  assert.equal(r.take(), ['D1:8', 'D2:8']);
  assert.ok(m.blocked, 'waiting for the port');
  assert.is(m.pollAt(), 1000, 'the retransmission timer still runs for what went out');
  m.resume(5, send);
  assert.equal(r.take(), [], 'still refused: nothing skipped');
  assert.ok(m.blocked);
  room = 10;
  m.resume(6, send);
  assert.equal(r.take(), ['D3:8', 'D4:8']);
  assert.not.ok(m.blocked);
  assert.is(m.pollAt(), 1006, 'armed again by what just went out');
  room = 0;
  m.onAck(8, 4, send);
  feed(m, 8, send, st, 6, 3);
  assert.equal(r.take(), []);
  assert.ok(m.blocked);
  assert.is(m.pollAt(), 1008, 'nothing in flight: the timer is the backstop should nobody resume');
  room = 10;
  m.resume(9, send);
  assert.equal(r.take(), ['D5:8', 'D6:3']);
  m.onAck(12, 6, send);
  assert.is(m.endReason, 'complete');
  assert.is(m.retransmits, 0);
  assert.is(m.dataSent, 6);
});

test('memory is bounded: never more than windowSize + readAhead blocks queued', () => {
  const r = recorder();
  const m = new ReadTransfer(params({ windowSize: 4, readAhead: 2 }), undefined, 0, r.send);
  const st = { next: 1 };
  feed(m, 0, r.send, st, 1000, 8);
  assert.is(st.next - 1, 6);
  assert.is(m.room(), 0);
  assert.throws(() => m.pushBlock(0, m.takeBuffer(), 8, r.send));
});

test('rollover: wire numbers wrap to 0 (default) or 1, and ACKs map back across the wrap', () => {
  assert.is(wireBlock(65535, 0), 65535);
  assert.is(wireBlock(65536, 0), 0);
  assert.is(wireBlock(65537, 0), 1);
  assert.is(wireBlock(65536, 1), 1);
  assert.is(wireBlock(131070, 1), 65535);
  assert.is(wireBlock(131071, 1), 1);
  assert.is(seqDelta(0, 65535, 4, 0), 1);
  assert.is(seqDelta(2, 65535, 4, 0), 3);
  assert.is(seqDelta(1, 65535, 4, 1), 1);
  assert.is(seqDelta(65535, 65535, 4, 1), 0);
  assert.is(seqDelta(0, 65535, 4, 1), -1);
  assert.is(seqDelta(9, 65535, 4, 0), -1);
  // A machine taken across the wrap with rollover 1.
  const r = recorder();
  const m = new ReadTransfer(params({ blockSize: 8, rolloverTo: 1, readAhead: 0 }), undefined, 0, r.send);
  const st = { next: 1 };
  let sent: string[] = [];
  for (let seq = 1; seq <= 65537; seq++) {
    feed(m, seq, r.send, st, 65537, 1);
    sent = r.take();
    m.onAck(seq, wireBlock(seq, 1), r.send);
  }
  assert.equal(sent, ['D2:1'], 'seq 65536 was wire 1, so 65537 is wire 2');
  assert.is(m.endReason, 'complete');
});

test('write machine: ACK only after the store wrote the block; duplicate DATA re-ACKed; commit then dally', () => {
  const r = recorder();
  const m = new WriteTransfer(params(), Uint8Array.of(0, 4, 0, 0), 0, r.send, 3000);
  assert.equal(r.take(), ['A0']);
  const c1 = m.onData(5, 1, new Uint8Array(8), r.send);
  assert.ok(c1 && !c1.last);
  assert.equal(r.take(), [], 'no ACK before the write completes');
  assert.is(m.onData(6, 1, new Uint8Array(8), r.send), undefined, 'a repeat while writing is not written twice');
  m.written(7, r.send);
  assert.equal(r.take(), ['A1']);
  assert.is(m.onData(8, 1, new Uint8Array(8), r.send), undefined);
  assert.equal(r.take(), ['A1'], 'duplicate DATA 1 gets ACK 1 again');
  const c2 = m.onData(9, 2, new Uint8Array(3), r.send);
  assert.ok(c2 && c2.last);
  m.written(10, r.send);
  assert.equal(r.take(), [], 'the last ACK waits for the commit');
  m.committedResult(11, r.send);
  assert.equal(r.take(), ['A2']);
  assert.ok(m.committed);
  m.onData(12, 2, new Uint8Array(3), r.send);
  assert.equal(r.take(), ['A2'], 'dally: a repeated last block is answered');
  m.dispatch(3011, r.send);
  assert.is(m.endReason, 'complete');
  assert.is(m.bytesStored, 11);
});

test('write machine: a store failure answers the error the server names; silence times out', () => {
  const r = recorder();
  const m = new WriteTransfer(params(), Uint8Array.of(0, 4, 0, 0), 0, r.send, 3000);
  r.take();
  m.onData(1, 1, new Uint8Array(8), r.send);
  m.storeFailed(3, 'disk full after 0 bytes', r.send);
  assert.equal(r.take(), ['E3']);
  assert.ok(m.done);
  const r2 = recorder();
  const m2 = new WriteTransfer(params(), Uint8Array.of(0, 4, 0, 0), 0, r2.send, 3000);
  for (let i = 0; i < 10 && !m2.done; i++) m2.dispatch(m2.pollAt() as number, r2.send);
  assert.equal(r2.take(), ['A0', 'A0', 'A0', 'A0']);
  assert.is(m2.endReason, 'timeout');
});

test.run();
