import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestSandbox } from '../testing';

const run = promisify(execFile);
jest.setTimeout(30_000);

describe('Git stand-in, through the git CLI', () => {
  let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
  let work: string;
  const remote = (password = 'portolan-sandbox', repo = 'new-service') => {
    const base = sandbox.info.git.url.replace(
      'http://',
      `http://portolan:${password}@`,
    );
    return `${base}/git/${repo}.git`;
  };
  const git = (cwd: string, ...args: string[]) =>
    run(
      'git',
      [
        '-c',
        'user.name=Test',
        '-c',
        'user.email=t@example.com',
        '-c',
        'credential.helper=',
        ...args,
      ],
      {
        cwd,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
      },
    );

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-git-test-'));
    sandbox = await startTestSandbox({ gitDir: path.join(work, 'server') });
  });
  afterAll(async () => {
    await sandbox.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('creates a repository on first push, clones it and serves raw files', async () => {
    const src = path.join(work, 'src');
    fs.mkdirSync(src);
    await git(src, 'init', '-q', '--initial-branch=main');
    fs.writeFileSync(path.join(src, 'catalog-info.yaml'), 'kind: Component\n');
    await git(src, 'add', '.');
    await git(src, 'commit', '-q', '-m', 'Initial commit');
    await git(src, 'push', '-q', remote(), 'main');

    await git(work, 'clone', '-q', remote(), 'clone');
    expect(
      fs.readFileSync(path.join(work, 'clone', 'catalog-info.yaml'), 'utf8'),
    ).toBe('kind: Component\n');

    const auth = `Basic ${Buffer.from('portolan:portolan-sandbox').toString(
      'base64',
    )}`;
    const raw = await fetch(
      `${sandbox.info.git.url}/raw/new-service/main/catalog-info.yaml`,
      { headers: { Authorization: auth } },
    );
    expect(raw.status).toBe(200);
    expect(await raw.text()).toBe('kind: Component\n');
  });

  it('refuses a wrong password like a real server', async () => {
    const res = await fetch(
      `${sandbox.info.git.url}/git/new-service.git/info/refs?service=git-upload-pack`,
      {
        headers: {
          Authorization: `Basic ${Buffer.from('portolan:wrong').toString(
            'base64',
          )}`,
        },
      },
    );
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    await expect(
      git(work, 'clone', '-q', remote('wrong'), 'nope'),
    ).rejects.toThrow(/Authentication failed|401/);
  });

  it('refuses repository names that would escape its directory', async () => {
    const auth = `Basic ${Buffer.from('portolan:portolan-sandbox').toString(
      'base64',
    )}`;
    const res = await fetch(`${sandbox.info.git.url}/api/repos`, {
      method: 'POST',
      headers: { Authorization: auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: '../evil' }),
    });
    expect(res.status).toBe(400);
    const missing = await fetch(
      `${sandbox.info.git.url}/git/unknown.git/info/refs?service=git-upload-pack`,
      {
        headers: { Authorization: auth },
      },
    );
    expect(missing.status).toBe(404);
  });
});

describe('Git stand-in, seeded service repositories and the Gitea API', () => {
  let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
  let work: string;
  const auth = {
    Authorization: `basic ${Buffer.from('portolan:portolan-sandbox').toString(
      'base64',
    )}`,
  };
  const api = (p: string, headers: Record<string, string> = auth) =>
    fetch(`${sandbox.info.git.gitea!.url}/api/v1/repos/portolan/${p}`, {
      headers,
    });

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-gitea-test-'));
    sandbox = await startTestSandbox({ gitDir: path.join(work, 'server') });
  });
  afterAll(async () => {
    await sandbox.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('creates one repository per catalog service at start, the same commit every time', async () => {
    expect(sandbox.info.git.seeded).toBe(sandbox.world.catalog.services.length);
    const head = await (await api('payment-gateway/git/commits/main')).json();
    expect(head.sha).toMatch(/^[0-9a-f]{40}$/);

    // Another sandbox on another directory: the same commit id.
    const again = await startTestSandbox({ gitDir: path.join(work, 'again') });
    try {
      const res = await fetch(
        `${
          again.info.git.gitea!.url
        }/api/v1/repos/portolan/payment-gateway/git/commits/main`,
        { headers: auth },
      );
      expect((await res.json()).sha).toBe(head.sha);
    } finally {
      await again.stop();
    }
    // A restart on the same directory keeps the repositories (pushes survive).
    const restarted = await startTestSandbox({
      gitDir: path.join(work, 'server'),
    });
    expect(restarted.info.git.seeded).toBe(0);
    await restarted.stop();
  });

  it('serves file contents with an ETag, 304 when unchanged, and refuses what it should', async () => {
    const file = await api('payment-gateway/contents/.github/workflows/ci.yml');
    expect(file.status).toBe(200);
    const body = await file.json();
    expect(body.encoding).toBe('base64');
    expect(Buffer.from(body.content, 'base64').toString()).toContain(
      'make test',
    );
    const etag = file.headers.get('etag')!;
    const again = await api(
      'payment-gateway/contents/.github/workflows/ci.yml',
      {
        ...auth,
        'If-None-Match': etag,
      },
    );
    expect(again.status).toBe(304);
    expect(
      (await api('fraud-detector/contents/.github/workflows/ci.yml')).status,
    ).toBe(404);
    expect((await api('payment-gateway/git/commits/main', {})).status).toBe(
      401,
    );
    expect((await api('nope/git/commits/main')).status).toBe(404);
    expect((await api('payment-gateway/git/commits/-x')).status).toBe(400);
  });

  it('clones a seeded repository with the git CLI', async () => {
    const base = sandbox.info.git.url.replace(
      'http://',
      'http://portolan:portolan-sandbox@',
    );
    await run('git', ['clone', '-q', `${base}/git/web-shop.git`, 'web-shop'], {
      cwd: work,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    });
    const files = fs.readdirSync(path.join(work, 'web-shop'));
    expect(files).toEqual(expect.arrayContaining(['README.md', '.github']));
    expect(files).not.toContain('CODEOWNERS');
  });
});
