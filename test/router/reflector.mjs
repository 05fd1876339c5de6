// The WAN host's side of the equivalence suite: answers every UDP datagram (port 9000) and TCP
// connection (port 9001) with the source address and port it came from, and prints what arrives on
// the UDP sink (port 9100). One process, no fork per packet, so a busy machine answers in time.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const [udpPort, tcpPort, sinkPort] = process.argv.slice(2).map(Number);
const udp = createSocket('udp4');
udp.on('message', (_message, from) => {
  if (process.env.PB_DEBUG) process.stderr.write(`udp from ${from.address}:${from.port}\n`);
  udp.send(`${from.address} ${from.port}\n`, from.port, from.address);
});
udp.bind(udpPort);
createServer((socket) => socket.end(`${socket.remoteAddress.replace(/^::ffff:/, '')} ${socket.remotePort}\n`)).listen(tcpPort, '0.0.0.0');
const sink = createSocket('udp4');
sink.on('message', (message) => process.stdout.write(message));
sink.bind(sinkPort);
