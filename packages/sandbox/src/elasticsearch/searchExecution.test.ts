// What the stand-in's search shortcuts (posting lists merged over the time
// range, sources nested from cached field paths, the highlight from the
// source's message) must answer exactly as the plain scan does.
import { Client, estypes } from '@elastic/elasticsearch';
import { RunningSandbox } from '../index';
import { startTestSandbox, T0 } from '../testing';
import { mergePostings } from './searchExecution';

const DAY = 86_400_000;
// The first request writes the stand-in's week of lines.
jest.setTimeout(120_000);

describe('mergePostings', () => {
  const list = (...v: number[]) => Uint32Array.from(v);

  it('gives the sorted union of the lists', () => {
    expect([...mergePostings([list(1, 4, 9), list(2, 3, 10)])]).toEqual([
      1, 2, 3, 4, 9, 10,
    ]);
    expect([
      ...mergePostings([list(5), list(1, 7), list(2, 3, 8), list()]),
    ]).toEqual([1, 2, 3, 5, 7, 8]);
  });

  it('keeps only positions in [lo, hi) when there are several lists', () => {
    expect([
      ...mergePostings([list(1, 4, 9, 12), list(2, 3, 10)], 3, 10),
    ]).toEqual([3, 4, 9]);
  });

  it('returns a single list as it is', () => {
    const one = list(1, 2, 3);
    expect(mergePostings([one], 2, 3)).toBe(one);
  });
});

describe('Elasticsearch stand-in search', () => {
  let sandbox: RunningSandbox;
  let client: Client;
  const from = new Date(T0 - 7 * DAY).toISOString();
  const to = new Date(T0).toISOString();

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    const es = sandbox.info.elasticsearch!;
    client = new Client({
      node: es.url,
      auth: { username: es.username, password: es.password },
    });
  });
  afterAll(async () => {
    await client.close();
    await sandbox.stop();
  });

  const search = (levels: estypes.QueryDslQueryContainer) =>
    client.search<Record<string, any>>({
      index: 'logs-*',
      query: {
        bool: {
          filter: [
            { term: { 'service.name': 'checkout-service' } },
            { range: { '@timestamp': { gte: from, lte: to } } },
            levels,
          ],
          must: [{ match: { message: { query: 'timeout' } } }],
        },
      },
      size: 100,
      sort: [{ '@timestamp': { order: 'desc' } }],
      track_total_hits: true,
      highlight: {
        pre_tags: ['['],
        post_tags: [']'],
        fields: { message: { number_of_fragments: 0 } },
      },
      aggs: {
        histogram: {
          date_histogram: {
            field: '@timestamp',
            fixed_interval: '3h',
            min_doc_count: 0,
            extended_bounds: { min: from, max: to },
          },
          aggs: { levels: { terms: { field: 'log.level', size: 8 } } },
        },
        pod: { terms: { field: 'kubernetes.pod.name', size: 50 } },
      },
    });

  it('answers a level filter read from posting lists as the line-by-line scan does', async () => {
    // `terms` on log.level walks the merged error + warn postings; a `bool`
    // of `should` clauses tests every line of the range instead.
    const viaPostings = await search({
      terms: { 'log.level': ['error', 'warn'] },
    });
    const viaScan = await search({
      bool: {
        should: [
          { term: { 'log.level': 'warn' } },
          { term: { 'log.level': 'error' } },
        ],
        minimum_should_match: 1,
      },
    });
    expect(viaPostings.hits.total).toEqual(viaScan.hits.total);
    expect((viaPostings.hits.total as estypes.SearchTotalHits).value).toBe(
      (viaPostings.aggregations!.histogram as any).buckets.reduce(
        (n: number, b: { doc_count: number }) => n + b.doc_count,
        0,
      ),
    );
    expect(viaPostings.hits.hits.length).toBeGreaterThan(10);
    expect(viaPostings.hits.hits).toEqual(viaScan.hits.hits);
    expect(viaPostings.aggregations).toEqual(viaScan.aggregations);
    for (const hit of viaPostings.hits.hits)
      expect(['error', 'warn']).toContain(hit._source!.log.level);
  });

  it('nests the source as ECS objects and highlights the message it holds', async () => {
    const res = await search({ terms: { 'log.level': ['error'] } });
    const hit = res.hits.hits[0];
    const source = hit._source!;
    expect(Object.keys(source).slice(0, 2)).toEqual(['@timestamp', 'message']);
    expect(source.service).toEqual({
      name: 'checkout-service',
      environment: expect.any(String),
      version: expect.any(String),
    });
    expect(source.kubernetes.pod.name).toMatch(/^checkout-service-/);
    expect(source['kubernetes.pod.name']).toBeUndefined();
    for (const h of res.hits.hits) {
      const highlighted = h.highlight!.message[0];
      expect(highlighted.replace(/[[\]]/g, '')).toBe(h._source!.message);
      expect(highlighted.toLowerCase()).toContain('[timeout]');
    }
  });
});
