import { StatusError } from './StatusError';

/**
 * Typed clients (kubectl's `auth can-i` among them) send built-in objects as
 * Kubernetes protobuf: the magic `k8s\0`, then a runtime.Unknown
 * {typeMeta=1, raw=2, contentEncoding=3, contentType=4} whose `raw` is the
 * object's message (https://kubernetes.io/docs/reference/using-api/api-concepts/#protobuf-encoding).
 * The stand-in reads the one such message it accepts, SelfSubjectAccessReview
 * (k8s.io/api/authorization/v1/generated.proto), with a minimal reader of
 * the protobuf wire format: varints and length-delimited fields only.
 */
export function decodeSelfSubjectAccessReview(body: Buffer): unknown {
  if (body.length < 4 || body.subarray(0, 4).toString('latin1') !== 'k8s\0') {
    throw new StatusError(
      400,
      'BadRequest',
      'the body of the request was invalid: missing the Kubernetes protobuf envelope',
    );
  }
  const unknown = fields(body.subarray(4));
  const typeMeta = fields(unknown.get(1)?.[0]);
  const raw = fields(unknown.get(2)?.[0]);
  const spec = fields(raw.get(2)?.[0]);
  const strings = (b: Buffer | undefined, names: string[]) => {
    const f = fields(b);
    return Object.fromEntries(
      names.flatMap((n, i) =>
        f.has(i + 1) ? [[n, f.get(i + 1)![0].toString('utf8')]] : [],
      ),
    );
  };
  const resource = spec.get(1)?.[0];
  const nonResource = spec.get(2)?.[0];
  return {
    apiVersion: typeMeta.get(1)?.[0].toString('utf8') || undefined,
    kind: typeMeta.get(2)?.[0].toString('utf8') || undefined,
    spec: {
      ...(resource
        ? {
            resourceAttributes: strings(resource, [
              'namespace',
              'verb',
              'group',
              'version',
              'resource',
              'subresource',
              'name',
            ]),
          }
        : {}),
      ...(nonResource
        ? { nonResourceAttributes: strings(nonResource, ['path', 'verb']) }
        : {}),
    },
  };
}

/** Length-delimited fields of a message by number (other wire types skipped). */
function fields(buf: Buffer | undefined): Map<number, Buffer[]> {
  const out = new Map<number, Buffer[]>();
  if (!buf) return out;
  let pos = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= buf.length || shift > 49)
        throw new StatusError(
          400,
          'BadRequest',
          'the body of the request was invalid: malformed protobuf',
        );
      const byte = buf[pos++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) varint();
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const length = varint();
      if (pos + length > buf.length)
        throw new StatusError(
          400,
          'BadRequest',
          'the body of the request was invalid: malformed protobuf',
        );
      out.set(field, [
        ...(out.get(field) ?? []),
        buf.subarray(pos, pos + length),
      ]);
      pos += length;
    } else
      throw new StatusError(
        400,
        'BadRequest',
        'the body of the request was invalid: malformed protobuf',
      );
  }
  return out;
}
