import { Redactor } from './Redactor';

describe('Redactor', () => {
  const redactor = new Redactor([/internal-ticket-\d+/]);

  it.each([
    ['Authorization: Bearer abc.def-ghi', 'Authorization: Bearer [REDACTED]'],
    [
      'GET https://svc:hunter2@db.internal/x',
      'GET https://svc:[REDACTED]@db.internal/x',
    ],
    ['key AKIAIOSFODNN7EXAMPLE used', 'key [REDACTED] used'],
    [
      'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'aws_secret_access_key=[REDACTED]',
    ],
    [
      'login failed password=s3cret!x for bob',
      'login failed password=[REDACTED] for bob',
    ],
    ['token eyJhbGciOi.eyJzdWIiOiJ4In0.sig', 'token [REDACTED]'],
    [
      '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----',
      '[REDACTED]',
    ],
    ['see internal-ticket-4242', 'see [REDACTED]'],
  ])('masks %p', (line, expected) => {
    expect(redactor.redact(line)).toBe(expected);
  });

  it('returns a line with no secret unchanged (the same string)', () => {
    const line = 'checkout-service handled GET /healthz/ready 200 in 3ms';
    expect(redactor.redact(line)).toBe(line);
  });

  it('masks every string of a document, nested and in arrays', () => {
    expect(
      redactor.redactFields({
        message: 'Bearer xyz',
        tags: ['password=abcd', 'ok'],
        http: { url: 'https://u:p4ss@h/' },
        status: 200,
      }),
    ).toEqual({
      message: 'Bearer [REDACTED]',
      tags: ['password=[REDACTED]', 'ok'],
      http: { url: 'https://u:[REDACTED]@h/' },
      status: 200,
    });
  });
});
