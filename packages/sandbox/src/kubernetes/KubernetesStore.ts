import crypto from 'node:crypto';
import { Clock } from '../world/clock';
import {
  RESOURCE_TYPES,
  Obj,
  ResourceType,
  groupVersion,
  resourceName,
} from './resources';
import { parseFieldSelector, parseLabelSelector } from './selectors';
import { StatusError } from './StatusError';

export type ChangeListener = (type: ResourceType, obj: Obj) => void;

/** kube-apiserver's default --event-ttl. */
const EVENT_TTL_MS = 3_600_000;

/**
 * One cluster's objects, as etcd behind kube-apiserver keeps them: one
 * resourceVersion counter for every write, uid and creationTimestamp set on
 * create, metadata.generation bumped when anything but metadata and status
 * changes, optimistic concurrency on metadata.resourceVersion, RFC 7386
 * merge patches, label and field selectors on list.
 */
export class KubernetesStore {
  private readonly objects = new Map<string, Map<string, Obj>>();
  private revision = 1;
  private eventSeq = 0;
  private readonly listeners: ChangeListener[] = [];

  constructor(private readonly clock: Clock) {
    for (const t of RESOURCE_TYPES) this.objects.set(t.plural, new Map());
  }

  /** The last resourceVersion written (list metadata.resourceVersion). */
  get resourceVersion(): string {
    return String(this.revision);
  }

  type(plural: string): ResourceType {
    const type = RESOURCE_TYPES.find(t => t.plural === plural);
    if (!type) throw new Error(`no resource type ${plural}`);
    return type;
  }

  /** Called after every write; the controller queues what it watches. */
  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  list(
    type: ResourceType,
    namespace: string | undefined,
    query: { labelSelector?: string; fieldSelector?: string } = {},
  ) {
    const labelTerms = query.labelSelector
      ? parseLabelSelector(query.labelSelector)
      : [];
    const fieldTerms = query.fieldSelector
      ? parseFieldSelector(query.fieldSelector, type)
      : [];
    const items = [...this.objects.get(type.plural)!.values()].filter(
      o =>
        (!namespace || o.metadata.namespace === namespace) &&
        labelTerms.every(t => t(o.metadata.labels ?? {})) &&
        fieldTerms.every(t => t(o)),
    );
    return {
      kind: `${type.kind}List`,
      apiVersion: groupVersion(type),
      metadata: { resourceVersion: this.resourceVersion },
      items,
    };
  }

  find(
    plural: string,
    namespace: string | undefined,
    name: string,
  ): Obj | undefined {
    const type = this.type(plural);
    return this.objects.get(plural)!.get(key(type, namespace, name));
  }

  get(type: ResourceType, namespace: string | undefined, name: string): Obj {
    const obj = this.objects.get(type.plural)!.get(key(type, namespace, name));
    if (!obj) {
      throw new StatusError(
        404,
        'NotFound',
        `${resourceName(type)} "${name}" not found`,
        {
          name,
          group: type.group,
          kind: type.plural,
        },
      );
    }
    return obj;
  }

  /** POST: a new object; 422 on an invalid name, 409 AlreadyExists. */
  create(type: ResourceType, namespace: string | undefined, body: any): Obj {
    const name = body?.metadata?.name;
    if (
      typeof name !== 'string' ||
      !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) ||
      name.length > 253
    ) {
      throw new StatusError(
        422,
        'Invalid',
        `${type.kind} "${
          name ?? ''
        }" is invalid: metadata.name: Invalid value: "${
          name ?? ''
        }": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
      );
    }
    if (this.objects.get(type.plural)!.has(key(type, namespace, name))) {
      throw new StatusError(
        409,
        'AlreadyExists',
        `${resourceName(type)} "${name}" already exists`,
        {
          name,
          group: type.group,
          kind: type.plural,
        },
      );
    }
    const {
      resourceVersion: _rv,
      uid: _uid,
      generation: _gen,
      creationTimestamp: _ts,
      ...metadata
    } = body.metadata;
    return this.save(type.plural, {
      ...body,
      apiVersion: groupVersion(type),
      kind: type.kind,
      metadata: {
        ...metadata,
        namespace: type.namespaced ? namespace : undefined,
      },
    });
  }

  /**
   * PATCH with a JSON merge patch (RFC 7386). A `metadata.resourceVersion`
   * in the body is a precondition: a stale one is 409 Conflict, as
   * kube-apiserver answers ("the object has been modified"). The status
   * subresource changes only status; the main resource ignores status
   * (CustomResourceDefinition status subresource semantics).
   */
  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    subresource?: 'status',
  ): Obj {
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new StatusError(
        400,
        'BadRequest',
        'the body of the request was invalid: a JSON merge patch must be an object',
      );
    }
    const patch = body as Record<string, any>;
    const current = this.get(type, namespace, name);
    const precondition = patch.metadata?.resourceVersion;
    if (
      precondition !== undefined &&
      precondition !== current.metadata.resourceVersion
    ) {
      throw new StatusError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${resourceName(
          type,
        )} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name, group: type.group, kind: type.plural },
      );
    }
    let effective: Record<string, unknown>;
    if (subresource === 'status') {
      effective = { status: patch.status };
    } else {
      const { status: _ignored, ...rest } = patch;
      effective = rest;
      if (rest.metadata) {
        // Identity and server-set fields are not the client's to change.
        const {
          name: _n,
          namespace: _ns,
          uid: _u,
          resourceVersion: _r,
          generation: _g,
          creationTimestamp: _c,
          ...meta
        } = rest.metadata;
        effective = { ...rest, metadata: meta };
      }
    }
    // A patch that changes nothing writes nothing (no new resourceVersion),
    // as the API server skips no-op updates; kubectl says "(no change)".
    return this.update(
      type.plural,
      namespace,
      name,
      obj => void mergePatch(obj, effective),
    );
  }

  /**
   * A write by the cluster itself (controllers, seeding): an object as
   * given, with a new resourceVersion; uid and creationTimestamp on create.
   */
  save(plural: string, obj: Obj): Obj {
    const type = this.type(plural);
    const k = key(type, obj.metadata.namespace, obj.metadata.name);
    const previous = this.objects.get(plural)!.get(k);
    obj.metadata.uid =
      previous?.metadata.uid ?? obj.metadata.uid ?? crypto.randomUUID();
    obj.metadata.creationTimestamp =
      previous?.metadata.creationTimestamp ??
      obj.metadata.creationTimestamp ??
      iso(this.clock.now());
    obj.metadata.generation = previous
      ? (previous.metadata.generation ?? 1) +
        (specOf(previous) === specOf(obj) ? 0 : 1)
      : obj.metadata.generation ?? 1;
    if (!type.namespaced) delete obj.metadata.namespace;
    obj.metadata.resourceVersion = String(++this.revision);
    this.objects.get(plural)!.set(k, obj);
    for (const listener of this.listeners) listener(type, obj);
    return obj;
  }

  /**
   * Read-modify-write of one object: `mutate` works on a copy, and the
   * write (a new resourceVersion) happens only if something changed.
   */
  update(
    plural: string,
    namespace: string | undefined,
    name: string,
    mutate: (obj: Obj) => void,
  ): Obj {
    const type = this.type(plural);
    const current = this.get(type, namespace, name);
    const next = structuredClone(current);
    mutate(next);
    next.metadata.name = current.metadata.name;
    next.metadata.namespace = current.metadata.namespace;
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    if (JSON.stringify(next) === JSON.stringify(current)) return current;
    return this.save(plural, next);
  }

  /** Deletes what matches (garbage collection of owned objects). */
  remove(plural: string, predicate: (o: Obj) => boolean): void {
    const map = this.objects.get(plural)!;
    for (const [k, o] of map) {
      if (predicate(o)) map.delete(k);
    }
    this.revision++;
  }

  /**
   * Records a core/v1 Event about an object, as client-go's event recorder
   * does: repeats of the same reason and message are counted on one Event
   * (the event correlator), and events expire after an hour (--event-ttl).
   */
  recordEvent(
    about: Obj,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    component: string,
  ): Obj {
    const now = this.clock.now();
    const events = this.objects.get('events')!;
    for (const [k, e] of events) {
      if (now - Date.parse(e.lastTimestamp) > EVENT_TTL_MS) events.delete(k);
    }
    const same = [...events.values()].find(
      e =>
        e.involvedObject.uid === about.metadata.uid &&
        e.reason === reason &&
        e.message === message &&
        e.type === type,
    );
    if (same) {
      return this.update(
        'events',
        same.metadata.namespace,
        same.metadata.name,
        e => {
          e.count = (e.count ?? 1) + 1;
          e.lastTimestamp = iso(now);
        },
      );
    }
    return this.save('events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${about.metadata.name}.${(
          now * 1000 +
          (this.eventSeq++ % 1000)
        ).toString(16)}`,
        namespace: about.metadata.namespace ?? 'default',
      },
      involvedObject: {
        apiVersion: about.apiVersion,
        kind: about.kind,
        name: about.metadata.name,
        namespace: about.metadata.namespace,
        uid: about.metadata.uid,
        resourceVersion: about.metadata.resourceVersion,
      },
      reason,
      message,
      source: { component },
      firstTimestamp: iso(now),
      lastTimestamp: iso(now),
      count: 1,
      type,
      eventTime: null,
      reportingComponent: component,
      reportingInstance: '',
    });
  }
}

function key(type: ResourceType, namespace: string | undefined, name: string) {
  return `${type.namespaced ? namespace ?? '' : ''}/${name}`;
}

/** What metadata.generation tracks: everything but metadata and status. */
function specOf(obj: Obj): string {
  const { metadata: _m, status: _s, ...rest } = obj;
  return JSON.stringify(rest);
}

export function iso(ms: number) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 7386 JSON merge patch, applied in place. */
export function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch))
    return patch;
  const out =
    target && typeof target === 'object' && !Array.isArray(target)
      ? target
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = mergePatch(out[k], v);
  }
  return out;
}
