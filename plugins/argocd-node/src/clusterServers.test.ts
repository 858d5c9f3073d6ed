import { ConfigReader } from '@backstage/config';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  clusterOfDestination,
  readClusterServerMap,
  readKubernetesClusters,
} from './clusterServers';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const caData = Buffer.from(PEM).toString('base64');

const config = (...clusters: object[]) =>
  new ConfigReader({
    kubernetes: {
      clusterLocatorMethods: [
        { type: 'catalog' },
        {
          type: 'config',
          clusters: clusters.map(c => ({
            authProvider: 'serviceAccount',
            ...c,
          })),
        },
      ],
    },
  });

describe('kubernetes.clusterLocatorMethods, read once for every Portolan client', () => {
  it('reads config clusters: URL without trailing slash, token, CA; TLS verification on unless configured off', () => {
    expect(
      readKubernetesClusters(
        config(
          {
            name: 'prod',
            url: 'https://k8s.example.com:6443/',
            serviceAccountToken: 't',
            caData,
          },
          { name: 'lab', url: 'https://lab.example.com', skipTLSVerify: true },
        ),
      ),
    ).toEqual([
      {
        name: 'prod',
        url: 'https://k8s.example.com:6443',
        token: 't',
        skipTLSVerify: false,
        caData,
        caFile: undefined,
      },
      {
        name: 'lab',
        url: 'https://lab.example.com',
        token: undefined,
        skipTLSVerify: true,
        caData: undefined,
        caFile: undefined,
      },
    ]);
  });

  it('allows http: only for loopback hosts, and only with skipTLSVerify said out loud, naming the key', () => {
    expect(() =>
      readKubernetesClusters(
        config(
          { name: 'a', url: 'https://a.example.com' },
          { name: 'b', url: 'http://k8s.internal:8080' },
        ),
      ),
    ).toThrow(
      "Invalid config value at 'kubernetes.clusterLocatorMethods[1].clusters[1].url': 'http://k8s.internal:8080' uses http:, which is allowed only for loopback hosts (127.0.0.1, ::1, localhost); use https:",
    );
    expect(() =>
      readKubernetesClusters(
        config({ name: 'local', url: 'http://127.0.0.1:8001' }),
      ),
    ).toThrow(
      /clusters\[0\]\.url': 'http:\/\/127\.0\.0\.1:8001' uses http:, which has no TLS to verify: set skipTLSVerify: true/,
    );
    for (const url of [
      'http://127.0.0.1:8001',
      'http://localhost:8001',
      'http://[::1]:8001',
    ]) {
      expect(
        readKubernetesClusters(
          config({ name: 'proxy', url, skipTLSVerify: true }),
        )[0].url,
      ).toBe(url);
    }
    expect(() =>
      readKubernetesClusters(config({ name: 'x', url: 'ftp://x' })),
    ).toThrow(/'ftp:\/\/x' is not an http\(s\) URL/);
  });

  it('checks caData is a base64 PEM certificate and caFile is readable; refuses a name twice', () => {
    expect(() =>
      readKubernetesClusters(
        config({
          name: 'a',
          url: 'https://a.example.com',
          caData: 'not-a-cert',
        }),
      ),
    ).toThrow(
      "Invalid config value at 'kubernetes.clusterLocatorMethods[1].clusters[0].caData': not a base64-encoded PEM certificate (kubeconfig certificate-authority-data)",
    );
    expect(() =>
      readKubernetesClusters(
        config({
          name: 'a',
          url: 'https://a.example.com',
          caFile: '/nonexistent/ca.pem',
        }),
      ),
    ).toThrow(/clusters\[0\]\.caFile': cannot read '\/nonexistent\/ca\.pem'/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portolan-ca-'));
    const caFile = path.join(dir, 'ca.pem');
    fs.writeFileSync(caFile, PEM);
    try {
      expect(
        readKubernetesClusters(
          config({ name: 'a', url: 'https://a.example.com', caFile }),
        )[0].caFile,
      ).toBe(caFile);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() =>
      readKubernetesClusters(
        config(
          { name: 'a', url: 'https://a.example.com' },
          { name: 'a', url: 'https://b.example.com' },
        ),
      ),
    ).toThrow(
      "Invalid config value at 'kubernetes.clusterLocatorMethods[1].clusters[1].name': cluster 'a' is configured twice",
    );
  });

  it('maps Argo CD destination servers to the same clusters', () => {
    const byServer = readClusterServerMap(
      config({ name: 'prod-eu', url: 'https://127.0.0.1:7113/' }),
    );
    expect(
      clusterOfDestination({ server: 'https://127.0.0.1:7113' }, byServer),
    ).toBe('prod-eu');
    expect(
      clusterOfDestination({ server: 'https://127.0.0.1:7113/' }, byServer),
    ).toBe('prod-eu');
    expect(
      clusterOfDestination({ server: 'http://127.0.0.1:7113' }, byServer),
    ).toBeUndefined();
    expect(
      clusterOfDestination(
        { name: 'staging', server: 'https://elsewhere' },
        byServer,
      ),
    ).toBe('staging');
  });
});
