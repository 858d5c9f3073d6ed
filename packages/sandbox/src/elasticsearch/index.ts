import http from 'node:http';
import { listen } from '../http';
import { Clock } from '../world/clock';
import { World } from '../world/World';
import { ElasticsearchStandIn } from './ElasticsearchStandIn';

export { ElasticsearchStandIn } from './ElasticsearchStandIn';
export type { ElasticsearchRequestCounts } from './ElasticsearchStandIn';
export { canaryAnalysisPasses, SLOT_MS } from './LogGenerator';

/** Fixed, documented sandbox-only credentials of the Elasticsearch stand-in. */
export const SANDBOX_ELASTIC_USER = 'elastic';
export const SANDBOX_ELASTIC_PASSWORD = 'portolan-sandbox';
export const SANDBOX_ELASTIC_API_KEY = {
  id: 'portolan-sandbox',
  key: 'sandbox-api-key-portolan',
};

/** What sandbox.json says about the Elasticsearch stand-in. */
export interface ElasticsearchSandboxInfo {
  name: string;
  url: string;
  username: string;
  password: string;
  /** `base64(id:api_key)`, as the client's `auth.apiKey` takes it. */
  apiKey: string;
  /** The index pattern holding every service's logs. */
  index: string;
}

/** Starts the Elasticsearch stand-in (plain HTTP on loopback, like a local single-node cluster). */
export async function startElasticsearchStandIn(options: {
  world: World;
  clock: Clock;
  seed: number;
  host: string;
  port: number;
  realtime?: boolean;
  days?: number;
}): Promise<{
  standIn: ElasticsearchStandIn;
  server: http.Server;
  info: ElasticsearchSandboxInfo;
}> {
  const standIn = new ElasticsearchStandIn({
    world: options.world,
    clock: options.clock,
    seed: options.seed,
    username: SANDBOX_ELASTIC_USER,
    password: SANDBOX_ELASTIC_PASSWORD,
    apiKeys: [SANDBOX_ELASTIC_API_KEY],
    days: options.days,
  });
  const { server, url } = await listen(
    standIn.router(),
    options.host,
    options.port,
  );
  // Running for people, the week of logs is written right away (about a
  // second), so the first search does not wait for it; tests write it on
  // their first request.
  if (options.realtime) setTimeout(() => standIn.catchUp(), 100).unref();
  return {
    standIn,
    server,
    info: {
      name: 'sandbox',
      url,
      username: SANDBOX_ELASTIC_USER,
      password: SANDBOX_ELASTIC_PASSWORD,
      apiKey: standIn.encodedApiKey,
      index: 'logs-*',
    },
  };
}
