// Writes the per-run config layer (YAML on stdout) that bin/portal puts
// over app-config.yaml: port, data directory and, when the sandbox runs,
// the endpoints and credentials it published in <data-dir>/sandbox.json.
// usage: write-run-config.mjs <data-dir> <port> <sandbox: 1|0>
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [dataDirArg, portArg, sandboxArg] = process.argv.slice(2);
const dataDir = resolve(dataDirArg);
const port = Number(portArg);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`PORTOLAN_PORT must be a port number, got '${portArg}'`);
  process.exit(1);
}
const baseUrl = `http://localhost:${port}`;
const config = {
  app: { baseUrl },
  backend: {
    baseUrl,
    listen: { port },
    cors: { origin: baseUrl },
    database: {
      client: 'better-sqlite3',
      connection: { directory: join(dataDir, 'sqlite') },
    },
  },
  portolan: { sandbox: { enabled: sandboxArg !== '0' } },
};

// PORTOLAN_LISTEN_HOST overrides the listen address; with the sandbox the
// default is loopback only, since sandbox sign-in lets anyone be anyone.
const listenHost =
  process.env.PORTOLAN_LISTEN_HOST ||
  (sandboxArg !== '0' ? '127.0.0.1' : undefined);
if (listenHost !== undefined) {
  if (!/^[A-Za-z0-9.:-]+$/.test(listenHost)) {
    console.error(
      `PORTOLAN_LISTEN_HOST must be a host name or IP address, got '${listenHost}'`,
    );
    process.exit(1);
  }
  config.backend.listen.host = listenHost;
}

if (sandboxArg !== '0') {
  // Sandbox sign-in ("sign in as" any catalog user) exists only in this
  // layer, written when the sandbox has started; the backend module still
  // refuses it for production or non-loopback upstreams.
  config.auth = { providers: { sandbox: {} } };
  const sandbox = JSON.parse(
    readFileSync(join(dataDir, 'sandbox.json'), 'utf8'),
  );
  if (!Array.isArray(sandbox.kubernetes)) {
    console.error(`${join(dataDir, 'sandbox.json')} has no 'kubernetes' list`);
    process.exit(1);
  }
  if (!Array.isArray(sandbox.argocd)) {
    console.error(`${join(dataDir, 'sandbox.json')} has no 'argocd' list`);
    process.exit(1);
  }
  config.argocd = {
    appLocatorMethods: [
      {
        type: 'config',
        instances: sandbox.argocd.map(i => ({
          name: i.name,
          url: i.url,
          username: i.username,
          password: i.password,
        })),
      },
    ],
  };
  if (
    typeof sandbox.ca !== 'string' ||
    !sandbox.ca.includes('-----BEGIN CERTIFICATE-----')
  ) {
    console.error(
      `${join(
        dataDir,
        'sandbox.json',
      )} has no 'ca' certificate for its Kubernetes API servers`,
    );
    process.exit(1);
  }
  const caData = Buffer.from(sandbox.ca).toString('base64');
  config.kubernetes = {
    clusterLocatorMethods: [
      {
        type: 'config',
        clusters: sandbox.kubernetes.map(c => ({
          name: c.name,
          url: c.url,
          authProvider: 'serviceAccount',
          serviceAccountToken: c.token,
          // The sandbox's API servers serve TLS with a CA made at its start;
          // every client verifies against it (kubeconfig's
          // certificate-authority-data: base64 of the PEM).
          caData,
          skipMetricsLookup: true,
        })),
      },
    ],
  };
  if (Array.isArray(sandbox.opencost?.clusters)) {
    // Each cluster's OpenCost stand-in (the FinOps cost ingestion reads them).
    config.finops = {
      opencost: {
        clusters: sandbox.opencost.clusters.map(c => ({
          name: c.name,
          url: c.url,
          environment: c.environment,
        })),
      },
    };
  }
  if (sandbox.elasticsearch?.url) {
    // The Elasticsearch stand-in holding every service's logs.
    const es = sandbox.elasticsearch;
    config.logs = {
      clusters: [
        {
          name: es.name,
          url: es.url,
          username: es.username,
          password: es.password,
          index: es.index,
        },
      ],
    };
  }
  if (sandbox.openai?.baseURL) {
    // The assistant's deterministic stand-in model (labelled as such in the UI).
    config.assistant = {
      openai: {
        baseURL: sandbox.openai.baseURL,
        apiKey: sandbox.openai.apiKey,
        model: sandbox.openai.model,
      },
    };
  }
  if (sandbox.git?.url) {
    // Templates publish new repositories to the sandbox Git, and the catalog
    // reads their catalog-info.yaml from its raw endpoint.
    config.portolan.git = {
      url: `${sandbox.git.url}/git`,
      username: sandbox.git.username,
      password: sandbox.git.password,
    };
    config.backend = {
      ...config.backend,
      reading: { allow: [{ host: new URL(sandbox.git.url).host }] },
    };
    if (sandbox.git.gitea?.url) {
      // The same repositories through a Gitea-compatible API: Backstage's
      // Gitea integration reads them (the compliance Git checks).
      const gitea = new URL(sandbox.git.gitea.url);
      config.integrations = {
        gitea: [
          {
            host: gitea.host,
            baseUrl: gitea.origin,
            username: sandbox.git.username,
            password: sandbox.git.password,
          },
        ],
      };
    }
  }
}
// JSON is valid YAML, and needs no YAML library here.
process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
