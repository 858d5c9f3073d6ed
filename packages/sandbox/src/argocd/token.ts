import crypto from 'node:crypto';

const b64 = (v: string | Buffer) => Buffer.from(v).toString('base64url');

/** An HS256 JWT shaped like Argo CD's account tokens. */
export function signToken(
  secret: string,
  sub: string,
  iat: number,
  id?: string,
): string {
  const header = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64(
    JSON.stringify({
      iss: 'argocd',
      sub,
      iat: Math.floor(iat / 1000),
      nbf: Math.floor(iat / 1000),
      jti: id ?? crypto.randomUUID(),
    }),
  );
  const sig = b64(
    crypto.createHmac('sha256', secret).update(`${header}.${payload}`).digest(),
  );
  return `${header}.${payload}.${sig}`;
}

export function verifyToken(secret: string, token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  const expected = b64(
    crypto
      .createHmac('sha256', secret)
      .update(`${parts[0]}.${parts[1]}`)
      .digest(),
  );
  const given = Buffer.from(parts[2]);
  const wanted = Buffer.from(expected);
  return (
    given.length === wanted.length && crypto.timingSafeEqual(given, wanted)
  );
}
