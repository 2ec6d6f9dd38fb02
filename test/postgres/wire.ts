import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll } from 'vitest';

// Servers on 127.0.0.1 that speak just enough of PostgreSQL's wire protocol (version 3) to put pg
// in a state a real server reaches only by chance or by configuration this machine must not change.

/** A message of the protocol: its type byte, its length (itself included), its body. */
const message = (type: string, ...parts: readonly Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
};
const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const cstring = (text: string): Buffer => Buffer.from(`${text}\0`, 'utf8');

/** What a server sends a connection that pg_terminate_backend ends (a failover sends the same). */
export const terminatedByAdministrator = message(
  'E',
  cstring('SFATAL'),
  cstring('VFATAL'),
  cstring('C57P01'),
  cstring('Mterminating connection due to administrator command'),
  Buffer.from([0]),
);

const SSL_REQUEST = 80877103;

/** A listening server, closed after the calling test file; `open` counts the connections still open. */
async function serve(
  label: string,
  onConnection: (socket: Socket, index: number) => void,
): Promise<{ readonly port: number; readonly open: () => number; readonly accepted: () => number }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket, ++accepted);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`${label}: no TCP address`);
  return { port: address.port, open: () => sockets.size, accepted: () => accepted };
}

/**
 * A server that asks for a SCRAM-SHA-256 password and then waits, as a real one does until its
 * authentication_timeout (a minute by default). It answers an SSLRequest with 'N' (no SSL). It
 * closes a connection only when the client closes its side.
 */
export function scramServer(): ReturnType<typeof serve> {
  return serve('scramServer', (socket) => {
    let pending = Buffer.alloc(0);
    let started = false;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        // Start-up messages have no type byte; the later ones do.
        const offset = started ? 1 : 0;
        if (pending.length < offset + 4) return;
        const length = pending.readInt32BE(offset);
        if (pending.length < offset + length) return;
        const frame = pending.subarray(0, offset + length);
        pending = pending.subarray(offset + length);
        if (!started && frame.readInt32BE(4) === SSL_REQUEST) socket.write('N');
        else if (!started) {
          started = true;
          socket.write(message('R', int32(10), cstring('SCRAM-SHA-256'), Buffer.from([0])));
        } else if (frame.toString('latin1', 0, 1) === 'p')
          socket.write(message('R', int32(11), Buffer.from('r=nonce,s=c2FsdA==,i=4096')));
      }
    });
  });
}

/**
 * A proxy to the real server (PGHOST, PGPORT). The connections `terminates` picks (by their number,
 * from 1) are terminated at the end of their start-up: the server's ReadyForQuery and a FATAL
 * 'terminating connection due to administrator command' reach pg in the same packet, as when
 * pg_terminate_backend or a failover hits a connection that a pool is still establishing.
 */
export function terminatingProxy(terminates: (index: number) => boolean): ReturnType<typeof serve> {
  const host = process.env.PGHOST ?? 'localhost';
  const port = Number(process.env.PGPORT ?? 5432);
  return serve('terminatingProxy', (client, index) => {
    const server = createConnection(port, host);
    server.on('error', () => client.destroy());
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
    client.pipe(server);
    if (!terminates(index)) {
      server.pipe(client);
      return;
    }
    // Whole messages go on as they come (authentication needs its answers); the ReadyForQuery waits for the FATAL.
    let pending = Buffer.alloc(0);
    server.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 5) {
        const end = 1 + pending.readInt32BE(1);
        if (end > pending.length) return;
        if (pending.toString('latin1', 0, 1) === 'Z') {
          client.end(Buffer.concat([pending.subarray(0, end), terminatedByAdministrator]));
          server.destroy();
          return;
        }
        client.write(pending.subarray(0, end));
        pending = pending.subarray(end);
      }
    });
  });
}
