import { mockCredentials } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { LogReadAccess } from './LogReadAccess';
import { LogScopeResolver } from './LogScopeResolver';

const OWNER = 'user:default/barbara.liskov';
const OUTSIDER = 'user:default/grace.hopper';
const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'invoice-service', namespace: 'default' },
  spec: { owner: 'group:default/team-payments' },
};
const REF = 'component:default/invoice-service';

function setUp(grantTtlMs?: number) {
  const calls = { catalog: 0, authorize: 0 };
  let allowed = new Set([OWNER]);
  const access = new LogReadAccess({
    grantTtlMs,
    catalog: {
      getEntityByRef: async (ref: string) => {
        calls.catalog++;
        return ref === REF ? entity : undefined;
      },
    } as any,
    permissions: {
      authorize: async (requests: any[], { credentials }: any) => {
        calls.authorize++;
        return requests.map(() => ({
          result: allowed.has(credentials.principal.userEntityRef)
            ? AuthorizeResult.ALLOW
            : AuthorizeResult.DENY,
        }));
      },
    } as any,
    scopes: {
      resolve: () => ({
        scope: { index: 'logs-*' },
        client: { name: 'main' },
      }),
    } as unknown as LogScopeResolver,
  });
  return {
    access,
    calls,
    revoke: () => {
      allowed = new Set();
    },
  };
}

describe('LogReadAccess', () => {
  it("keeps a user's grant for a few seconds, never a refusal, and asks again once it expires", async () => {
    const { access, calls, revoke } = setUp(200);
    const owner = mockCredentials.user(OWNER);
    await access.readable(REF, owner);
    await access.readable(REF, owner);
    await access.readable(REF, owner);
    // One catalog read and one decision for three searches.
    expect(calls).toEqual({ catalog: 1, authorize: 1 });

    // Another user is asked about on their own, and refused every time.
    const outsider = mockCredentials.user(OUTSIDER);
    await expect(access.readable(REF, outsider)).rejects.toThrow(
      NotAllowedError,
    );
    await expect(access.readable(REF, outsider)).rejects.toThrow(
      NotAllowedError,
    );
    expect(calls.authorize).toBe(3);
    await expect(
      access.readable('component:default/nope', owner),
    ).rejects.toThrow(NotFoundError);

    // A revoked permission holds within the grant's lifetime, then applies.
    revoke();
    await new Promise(r => setTimeout(r, 250));
    await expect(access.readable(REF, owner)).rejects.toThrow(NotAllowedError);
  });

  it('keeps nothing with a TTL of 0', async () => {
    const { access, calls } = setUp(0);
    const owner = mockCredentials.user(OWNER);
    await access.readable(REF, owner);
    await access.readable(REF, owner);
    expect(calls).toEqual({ catalog: 2, authorize: 2 });
  });
});
