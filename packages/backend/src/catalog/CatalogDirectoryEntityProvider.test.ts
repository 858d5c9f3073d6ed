import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { EntityProviderConnection } from '@backstage/plugin-catalog-node';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CatalogDirectoryEntityProvider } from './CatalogDirectoryEntityProvider';

describe('CatalogDirectoryEntityProvider', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portolan-catalog-dir-'));
    fs.mkdirSync(path.join(dir, 'services'));
    fs.writeFileSync(path.join(dir, 'org.yaml'), 'kind: Group');
    fs.writeFileSync(path.join(dir, 'services', 'b.yml'), 'kind: Component');
    fs.writeFileSync(path.join(dir, 'services', 'a.yaml'), 'kind: Component');
    fs.writeFileSync(path.join(dir, 'README.md'), '# not a catalog file');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const create = (directories: string[]) =>
    CatalogDirectoryEntityProvider.fromConfig(
      new ConfigReader({ portolan: { catalog: { directories } } }),
      {
        logger: mockServices.logger.mock(),
        scheduler: mockServices.scheduler.mock(),
      },
    );

  it('registers one file Location per YAML file, recursively', async () => {
    const provider = create([dir]);
    const connection: jest.Mocked<EntityProviderConnection> = {
      applyMutation: jest.fn(),
      refresh: jest.fn(),
    };
    await provider.connect(connection);
    await provider.refresh();

    const mutation = connection.applyMutation.mock.calls[0][0];
    expect(mutation.type).toBe('full');
    const targets = (mutation as any).entities.map(
      (e: any) => e.entity.spec.target,
    );
    expect(targets).toEqual([
      path.join(dir, 'org.yaml'),
      path.join(dir, 'services', 'a.yaml'),
      path.join(dir, 'services', 'b.yml'),
    ]);
    for (const e of (mutation as any).entities) {
      expect(e.entity.kind).toBe('Location');
      expect(e.entity.spec.type).toBe('file');
      expect(e.locationKey).toBe(
        `portolan-catalog-directory:${e.entity.spec.target}`,
      );
    }
    // Distinct names, so each file is its own entity with its own errors.
    const names = new Set(
      (mutation as any).entities.map((e: any) => e.entity.metadata.name),
    );
    expect(names.size).toBe(3);
  });

  it('refuses a directory that does not exist, naming the config key', () => {
    expect(() => create([path.join(dir, 'missing')])).toThrow(
      "Invalid config value at 'portolan.catalog.directories[0]'",
    );
  });
});
