import { Redactor } from '@portolan/portolan-node';
import { flatten } from './flatten';

describe('flatten', () => {
  it('flattens nested objects to dotted names, keeping dotted keys and arrays', () => {
    expect(
      flatten({
        '@timestamp': '2026-11-02T12:00:00.000Z',
        service: { name: 'checkout', version: 3 },
        'log.level': 'error',
        kubernetes: { pod: { name: 'checkout-1' } },
        tags: ['a', 'b'],
        empty: null,
      }),
    ).toEqual({
      '@timestamp': '2026-11-02T12:00:00.000Z',
      'service.name': 'checkout',
      'service.version': 3,
      'log.level': 'error',
      'kubernetes.pod.name': 'checkout-1',
      tags: ['a', 'b'],
      empty: null,
    });
  });

  it('redacts every string on the way, also inside arrays and objects in arrays', () => {
    const redactor = new Redactor();
    const out = flatten(
      {
        message: 'login with password=hunter22 ok',
        http: { request: { headers: 'Authorization: Bearer abc.def.ghi' } },
        urls: ['https://bob:s3cret@db.internal/x', 'plain'],
        events: [{ note: 'token=zzz999' }, 7],
        count: 3,
      },
      s => redactor.redact(s),
    );
    expect(out).toEqual({
      message: 'login with password=[REDACTED] ok',
      'http.request.headers': 'Authorization: Bearer [REDACTED]',
      urls: ['https://bob:[REDACTED]@db.internal/x', 'plain'],
      events: [{ note: 'token=[REDACTED]' }, 7],
      count: 3,
    });
    expect(JSON.stringify(out)).not.toMatch(/hunter22|s3cret|zzz999|abc\.def/);
  });

  it('ignores inherited properties', () => {
    const proto = { inherited: 'x' };
    const obj = Object.create(proto);
    obj.own = 'y';
    expect(flatten(obj)).toEqual({ own: 'y' });
  });
});
