import express from 'express';
import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';

/** A TLS serving certificate (PEM): with it, the server speaks HTTPS. */
export interface ServingCertificate {
  key: string;
  cert: string;
}

/** Starts an express app on host:port (0 = any free port), over TLS when given a certificate. */
export async function listen(
  app: express.Express | http.RequestListener,
  host: string,
  port: number,
  tls?: ServingCertificate,
): Promise<{ server: http.Server; url: string }> {
  const server = tls
    ? https.createServer(
        { key: tls.key, cert: tls.cert },
        app as http.RequestListener,
      )
    : http.createServer(app as http.RequestListener);
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    url: `${tls ? 'https' : 'http'}://${hostPart}:${address.port}`,
  };
}

export async function close(server: http.Server): Promise<void> {
  server.closeAllConnections?.();
  await new Promise<void>(resolve => server.close(() => resolve()));
}
