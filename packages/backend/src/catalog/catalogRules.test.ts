import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import YAML from 'yaml';

// The rules exactly as app-config.yaml sets them.
const appConfig = YAML.parse(
  fs.readFileSync(
    path.resolve(__dirname, '../../../../app-config.yaml'),
    'utf8',
  ),
);

const doc = (kind: string, name: string, spec: object) =>
  YAML.stringify({
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: { name },
    spec,
  });

describe('catalog rules (app-config.yaml)', () => {
  jest.setTimeout(60_000);

  it('takes people and teams only from catalog/org, and refuses them in a service file or elsewhere', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'portolan-rules-'));
    const write = (rel: string, content: string) => {
      const file = path.join(root, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      return file;
    };
    const files = [
      write('catalog/org/people.yaml', doc('User', 'ada', { memberOf: [] })),
      write(
        'catalog/services/honest.yaml',
        doc('Component', 'honest', {
          type: 'service',
          lifecycle: 'production',
          owner: 'team-a',
        }),
      ),
      // A service file that also makes its author an admin.
      write(
        'catalog/services/sneaky.yaml',
        [
          doc('Component', 'sneaky', {
            type: 'service',
            lifecycle: 'production',
            owner: 'team-a',
          }),
          doc('Group', 'portolan-admins', {
            type: 'team',
            children: [],
            members: ['mallory'],
          }),
        ].join('---\n'),
      ),
      write(
        'elsewhere/users.yaml',
        doc('User', 'mallory', { memberOf: ['portolan-admins'] }),
      ),
      write(
        'catalog/systems/systems.yaml',
        doc('System', 'payments', { owner: 'team-a' }),
      ),
    ];
    const { server } = await startTestBackend({
      features: [
        catalogPlugin,
        mockServices.rootConfig.factory({
          data: {
            catalog: {
              rules: appConfig.catalog.rules,
              locations: files.map(target => ({ type: 'file', target })),
              processingInterval: { seconds: 1 },
            },
          },
        }),
      ],
    });
    const names = async () => {
      const res = await request(server).get('/api/catalog/entities');
      return (res.body as Array<{ kind: string; metadata: { name: string } }>)
        .filter(e => e.kind !== 'Location')
        .map(e => `${e.kind}:${e.metadata.name}`)
        .sort();
    };
    let seen: string[] = [];
    for (let i = 0; i < 100; i++) {
      seen = await names();
      if (
        seen.includes('User:ada') &&
        seen.includes('Component:honest') &&
        seen.includes('System:payments')
      )
        break;
      await new Promise(r => setTimeout(r, 200));
    }
    // Give the refused files as long again to (not) show up.
    await new Promise(r => setTimeout(r, 2000));
    seen = await names();
    expect(seen).toEqual(['Component:honest', 'System:payments', 'User:ada']);
  });
});
