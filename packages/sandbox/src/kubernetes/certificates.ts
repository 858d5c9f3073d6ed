import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';

/** A CA and a server certificate it signed, all PEM. */
export interface SandboxCertificates {
  /** The CA's certificate: what clients trust (kubeconfig's certificate-authority-data). */
  caPem: string;
  /** The server's certificate, then the CA's (the chain a TLS server sends). */
  certPem: string;
  keyPem: string;
}

const ALGORITHM = {
  name: 'ECDSA',
  namedCurve: 'P-256',
  hash: 'SHA-256',
} as const;
const DAY = 86_400_000;

/**
 * A certificate authority made at sandbox start, as `kubeadm init` makes a
 * cluster CA, and a serving certificate it signs for the addresses the
 * stand-ins listen on. P-256 keys: generated in milliseconds, and accepted
 * by Go (kubectl), Node and browsers alike. Validity is real time (the
 * verifier's clock), not the sandbox clock, which tests may set anywhere.
 */
export async function createSandboxCertificates(
  hosts: string[],
): Promise<SandboxCertificates> {
  const crypto = webcrypto as unknown as Crypto;
  const now = Date.now();
  const notBefore = new Date(now - DAY);
  const notAfter = new Date(now + 365 * DAY);

  const caKeys = (await crypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: 'CN=portolan-sandbox-ca',
      notBefore,
      notAfter,
      keys: caKeys,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(
          caKeys.publicKey,
          false,
          crypto,
        ),
      ],
    },
    crypto,
  );

  const serverKeys = (await crypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const names = [...new Set(['localhost', '127.0.0.1', '::1', ...hosts])].map(
    h =>
      isIP(h)
        ? { type: 'ip' as const, value: h }
        : { type: 'dns' as const, value: h },
  );
  const server = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: 'CN=kube-apiserver',
      issuer: ca.subject,
      notBefore,
      notAfter,
      publicKey: serverKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature |
            x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(names),
        await x509.AuthorityKeyIdentifierExtension.create(
          caKeys.publicKey,
          false,
          crypto,
        ),
      ],
    },
    crypto,
  );

  const pkcs8 = await crypto.subtle.exportKey('pkcs8', serverKeys.privateKey);
  const caPem = ca.toString('pem');
  return {
    caPem: `${caPem}\n`,
    certPem: `${server.toString('pem')}\n${caPem}\n`,
    keyPem: `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')}\n`,
  };
}

/** A positive 128-bit serial (RFC 5280 §4.1.2.2: unique, at most 20 octets). */
function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01;
  return Buffer.from(bytes).toString('hex');
}
