import express from 'express';
import http from 'node:http';
import { AddressInfo } from 'node:net';

/** Starts an express app on host:port (0 = any free port). */
export async function listen(
  app: express.Express | http.RequestListener,
  host: string,
  port: number,
): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(app as http.RequestListener);
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { server, url: `http://${host}:${address.port}` };
}

export async function close(server: http.Server): Promise<void> {
  server.closeAllConnections?.();
  await new Promise<void>(resolve => server.close(() => resolve()));
}
