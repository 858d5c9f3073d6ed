import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import { mockServices } from '@backstage/backend-test-utils';
import { UrlReaderService } from '@backstage/backend-plugin-api';
import { NotModifiedError } from '@backstage/errors';
import { startTestSandbox } from '@portolan/sandbox/src/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readComplianceConfig } from '../config/ComplianceConfig';
import { evaluateChecks } from '../services/evaluateChecks';
import { NOW, facts } from '../__testUtils__/facts';
import {
  RepositoryFilesReader,
  isCiFile,
  isCodeownersFile,
} from './RepositoryFilesReader';

jest.setTimeout(60_000);

const settings = readComplianceConfig(mockServices.rootConfig());
const gitChecks = (f: ReturnType<typeof facts>) =>
  Object.fromEntries(
    evaluateChecks(f, settings, NOW)
      .filter(r => r.checkId.startsWith('git.'))
      .map(r => [r.checkId, r]),
  );

describe('RepositoryFilesReader against the sandbox Git, through the Gitea integration', () => {
  let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
  let dir: string;
  let reader: UrlReaderService;
  const tree = (repo: string) =>
    `${sandbox.info.git.gitea!.url}/portolan/${repo}/src/branch/main/`;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compliance-git-'));
    sandbox = await startTestSandbox({ gitDir: dir });
    const gitea = new URL(sandbox.info.git.gitea!.url);
    // Backstage's own UrlReaders, configured like the run config does.
    reader = UrlReaders.default({
      logger: mockServices.logger.mock(),
      config: mockServices.rootConfig({
        data: {
          integrations: {
            gitea: [
              {
                host: gitea.host,
                baseUrl: gitea.origin,
                username: sandbox.info.git.username,
                password: sandbox.info.git.password,
              },
            ],
          },
        },
      }),
    });
  });
  afterAll(async () => {
    await sandbox?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds the CI workflow and CODEOWNERS, reads each repository once, and only unchanged ones the second time', async () => {
    const repos = RepositoryFilesReader.create({
      reader,
      timeoutMs: 5000,
    });
    const urls = [
      tree('payment-gateway'),
      tree('fraud-detector'),
      tree('session-service'),
      // Two services in one repository: still one read.
      tree('payment-gateway'),
    ];
    const first = await repos.readAll(urls);
    expect(first.stats).toEqual({ trees: 3, notModified: 0, failed: 0 });
    expect(sandbox.git.requests.archives).toBe(3);

    const pg = first.facts.get(tree('payment-gateway'));
    expect(pg).toEqual({
      ok: true,
      value: {
        url: tree('payment-gateway'),
        etag: expect.stringMatching(/^[0-9a-f]{40}$/),
        files: expect.arrayContaining(['.github/workflows/ci.yml']),
      },
    });
    const withRepo = (url: string) =>
      gitChecks(facts({ repository: first.facts.get(url) }));
    expect(withRepo(tree('payment-gateway'))).toMatchObject({
      'git.ci-workflow': {
        status: 'pass',
        evidence: [
          {
            source: `git:${tree('payment-gateway')}`,
            fact: expect.stringMatching(/^\.github\/workflows\/ci\.yml at /),
          },
        ],
      },
      'git.codeowners': { status: 'pass' },
    });
    // The sandbox's fraud-detector has neither; session-service no CODEOWNERS.
    expect(withRepo(tree('fraud-detector'))).toMatchObject({
      'git.ci-workflow': {
        status: 'fail',
        reason: 'Its repository has no CI workflow',
      },
      'git.codeowners': {
        status: 'fail',
        reason: 'Its repository has no CODEOWNERS file',
      },
    });
    expect(withRepo(tree('session-service'))).toMatchObject({
      'git.ci-workflow': { status: 'pass' },
      'git.codeowners': { status: 'fail' },
    });

    // Next cycle: nothing changed, so no archive is downloaded again.
    const second = await repos.readAll(urls);
    expect(second.stats).toEqual({ trees: 0, notModified: 3, failed: 0 });
    expect(sandbox.git.requests.archives).toBe(3);
    expect(second.facts.get(tree('fraud-detector'))).toEqual(
      first.facts.get(tree('fraud-detector')),
    );
  });

  it('answers unknown with the reason for a missing repository and a Git server that is down', async () => {
    const repos = RepositoryFilesReader.create({ reader, timeoutMs: 5000 });
    const missing = await repos.readAll([tree('no-such-repo')]);
    expect(missing.stats.failed).toBe(1);
    expect(
      gitChecks(facts({ repository: missing.facts.get(tree('no-such-repo')) })),
    ).toMatchObject({
      'git.ci-workflow': {
        status: 'unknown',
        reason: expect.stringMatching(
          /repository .*no-such-repo.* could not be read: .*404/,
        ),
      },
      'git.codeowners': { status: 'unknown' },
    });

    const url = tree('payment-gateway');
    await sandbox.stop();
    const down = await repos.readAll([url]);
    expect(down.facts.get(url)).toEqual({
      ok: false,
      reason: expect.stringContaining(
        `The repository ${url} could not be read`,
      ),
    });
    expect(
      gitChecks(facts({ repository: down.facts.get(url) }))['git.ci-workflow']
        .status,
    ).toBe('unknown');
  });
});

describe('RepositoryFilesReader with any UrlReader', () => {
  const treeOf = (paths: string[], etag: string) => ({
    etag,
    files: async () =>
      paths.map(p => ({
        path: p,
        content: async () => Buffer.from(''),
      })),
    archive: async () => {
      throw new Error('not used');
    },
    dir: async () => {
      throw new Error('not used');
    },
  });

  it('passes the previous ETag and keeps the last files on NotModified', async () => {
    const readTree = jest
      .fn()
      .mockResolvedValueOnce(
        treeOf(['.gitlab-ci.yml', 'docs/CODEOWNERS'], 'e1'),
      )
      .mockRejectedValueOnce(new NotModifiedError());
    const repos = RepositoryFilesReader.create({
      reader: { readTree } as unknown as UrlReaderService,
      timeoutMs: 1000,
    });
    const url = 'https://gitlab.example/acme/shop/-/tree/main';
    await repos.readAll([url]);
    const second = await repos.readAll([url]);
    expect(readTree).toHaveBeenNthCalledWith(
      1,
      url,
      expect.objectContaining({ etag: undefined }),
    );
    expect(readTree).toHaveBeenNthCalledWith(
      2,
      url,
      expect.objectContaining({ etag: 'e1' }),
    );
    expect(second.facts.get(url)).toEqual({
      ok: true,
      value: {
        url,
        etag: 'e1',
        files: ['.gitlab-ci.yml', 'docs/CODEOWNERS'],
      },
    });
    // The filter keeps only the files the checks look at.
    const filter = readTree.mock.calls[0][1].filter;
    expect(filter('.github/workflows/build.yaml')).toBe(true);
    expect(filter('src/index.ts')).toBe(false);
  });

  it('names a timeout in the reason', async () => {
    const repos = RepositoryFilesReader.create({
      reader: {
        readTree: (_url: string, options: { signal: AbortSignal }) =>
          new Promise((_resolve, reject) =>
            options.signal.addEventListener('abort', () =>
              reject(options.signal.reason),
            ),
          ),
      } as unknown as UrlReaderService,
      timeoutMs: 50,
    });
    const { facts: read } = await repos.readAll(['https://git.example/a']);
    expect(read.get('https://git.example/a')).toEqual({
      ok: false,
      reason:
        'The repository https://git.example/a could not be read: no answer within 50 ms',
    });
  });

  it('recognises the CI and CODEOWNERS files of the common forges', () => {
    for (const p of [
      '.github/workflows/ci.yml',
      '.gitea/workflows/build.yaml',
      '.gitlab-ci.yml',
      'azure-pipelines.yml',
      'bitbucket-pipelines.yml',
      'Jenkinsfile',
    ]) {
      expect([p, isCiFile(p)]).toEqual([p, true]);
    }
    for (const p of [
      '.github/workflows/nested/x.yml',
      '.github/dependabot.yml',
      'ci.yml',
    ]) {
      expect([p, isCiFile(p)]).toEqual([p, false]);
    }
    for (const p of [
      'CODEOWNERS',
      '.github/CODEOWNERS',
      '.gitlab/CODEOWNERS',
      'docs/CODEOWNERS',
    ]) {
      expect([p, isCodeownersFile(p)]).toEqual([p, true]);
    }
    expect(isCodeownersFile('src/CODEOWNERS')).toBe(false);
  });
});

describe('Git checks without a repository', () => {
  it('fail when the service names no repository, saying so', () => {
    expect(
      gitChecks(facts({ repository: undefined, sourceLocation: undefined })),
    ).toMatchObject({
      'git.ci-workflow': {
        status: 'fail',
        reason: 'It names no repository, so no CI workflow can be found',
        evidence: [{ source: 'catalog' }],
      },
    });
    expect(
      gitChecks(
        facts({ repository: undefined, sourceLocation: 'file:./here' }),
      )['git.codeowners'].reason,
    ).toMatch(/file:\.\/here is not a repository URL/);
  });
});
