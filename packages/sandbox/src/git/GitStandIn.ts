import { execFile, spawn } from 'node:child_process';
import express, { NextFunction, Request, Response } from 'express';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SeedRepository } from './serviceRepositories';

const run = promisify(execFile);

/** The organisation the Gitea-compatible API serves every repository under. */
export const SANDBOX_GIT_OWNER = 'portolan';
/** Seeded commits carry this fixed time, so their ids are the same on every start. */
const SEED_TIME = '1767614400 +0000'; // 2026-01-05T12:00:00Z

/** Express 4 does not catch rejected promises: pass them on. */
const wrap =
  (fn: (req: Request, res: Response, next: NextFunction) => Promise<void>) =>
  (req: Request, res: Response, next: NextFunction) => {
    fn(req, res, next).catch(next);
  };
const REPO_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

function validRepo(name: string): string {
  const bare = name.replace(/\.git$/, '');
  if (!REPO_NAME.test(bare) || bare.includes('..')) {
    throw Object.assign(new Error(`invalid repository name '${name}'`), {
      status: 400,
    });
  }
  return bare;
}

/**
 * Git over smart HTTP: git's own `http-backend` as CGI over bare
 * repositories on disk, behind basic auth. A repository is created on first
 * push or by `POST /api/repos {name}`; `/raw/<repo>/<ref>/<path>` serves
 * files (so the catalog can read a pushed catalog-info.yaml).
 *
 * `giteaRouter()` serves the same repositories through the part of Gitea's
 * REST API that Backstage's Gitea integration reads (latest commit, tar.gz
 * archive, file contents), so Backstage's own UrlReader reads them.
 */
export class GitStandIn {
  /** Requests served by the Gitea-compatible API, by kind (tests count them). */
  readonly requests = { commits: 0, archives: 0, contents: 0 };

  constructor(
    private readonly root: string,
    private readonly username: string,
    private readonly password: string,
  ) {
    fs.mkdirSync(root, { recursive: true });
  }

  /**
   * Creates each repository that does not exist yet with one commit of its
   * files on `main`, through `git fast-import` (one process per repository).
   * Fixed author and time: the same files give the same commit id on every
   * start. Repositories that exist are left as they are (pushes survive).
   */
  async seed(repositories: SeedRepository[]): Promise<number> {
    let created = 0;
    await Promise.all(
      repositories.map(async repo => {
        const name = validRepo(repo.name);
        if (!(await this.ensureRepo(name))) return;
        created++;
        const chunks: Buffer[] = [];
        const data = (text: string) => {
          const body = Buffer.from(text);
          chunks.push(
            Buffer.from(`data ${body.length}\n`),
            body,
            Buffer.from('\n'),
          );
        };
        const who = `Portolan Sandbox <sandbox@portolan.example> ${SEED_TIME}`;
        chunks.push(
          Buffer.from(
            `commit refs/heads/main\nauthor ${who}\ncommitter ${who}\n`,
          ),
        );
        data(`Initial commit of ${name}`);
        for (const file of Object.keys(repo.files).sort()) {
          chunks.push(Buffer.from(`M 100644 inline ${file}\n`));
          data(repo.files[file]);
        }
        await new Promise<void>((resolve, reject) => {
          const child = spawn(
            'git',
            ['--git-dir', this.repoDir(name), 'fast-import', '--quiet'],
            { stdio: ['pipe', 'ignore', 'pipe'] },
          );
          let stderr = '';
          child.stderr.on('data', d => {
            stderr += d;
          });
          child.on('error', reject);
          child.on('close', code =>
            code === 0
              ? resolve()
              : reject(new Error(`git fast-import for ${name}: ${stderr}`)),
          );
          child.stdin.end(Buffer.concat(chunks));
        });
      }),
    );
    return created;
  }

  router(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    // Raw files are readable without credentials, like a forge's public
    // raw endpoint, so the catalog's plain URL reader can fetch a pushed
    // catalog-info.yaml. Everything Git (clone, push) needs basic auth.
    app.get(
      /^\/raw\/([^/]+)\/([^/]+)\/(.+)$/,
      wrap(async (req, res) => {
        const [repo, ref, file] = [
          validRepo(req.params[0]),
          req.params[1],
          req.params[2],
        ];
        if (file.split('/').includes('..') || !/^[\w./-]+$/.test(ref)) {
          res.status(400).type('text/plain').send('invalid path\n');
          return;
        }
        try {
          const { stdout } = await run(
            'git',
            ['--git-dir', this.repoDir(repo), 'show', `${ref}:${file}`],
            { maxBuffer: 20 * 1024 * 1024 },
          );
          res.type('text/plain').send(stdout);
        } catch {
          res.status(404).type('text/plain').send('Not Found\n');
        }
      }),
    );
    app.use(this.requireAuth);
    app.post(
      '/api/repos',
      express.json(),
      wrap(async (req, res) => {
        const name = validRepo(String(req.body?.name ?? ''));
        const created = await this.ensureRepo(name);
        res
          .status(created ? 201 : 200)
          .json({ name, cloneUrl: `/git/${name}.git` });
      }),
    );
    app.get('/api/repos', (_req, res) => {
      res.json(
        fs
          .readdirSync(this.root)
          .filter(d => d.endsWith('.git'))
          .map(d => ({ name: d.slice(0, -4) })),
      );
    });
    app.all(/^\/git\/([^/]+)(\/.*)$/, async (req, res, next) => {
      try {
        const repo = validRepo(req.params[0]);
        const rest = req.params[1];
        const pushing =
          rest === '/git-receive-pack' ||
          req.query.service === 'git-receive-pack';
        if (!fs.existsSync(this.repoDir(repo))) {
          if (!pushing) {
            res.status(404).type('text/plain').send('Repository not found\n');
            return;
          }
          await this.ensureRepo(repo);
        }
        this.cgi(req, res, `/${repo}.git${rest}`);
      } catch (error) {
        next(error);
      }
    });
    app.use((error: any, _req: Request, res: Response, _next: NextFunction) => {
      res
        .status(error?.status ?? 500)
        .type('text/plain')
        .send(`${error?.message ?? error}\n`);
    });
    return app;
  }

  /** Basic auth (any case of the scheme), or Gitea's `token <password>`. */
  private readonly requireAuth = (
    req: Request,
    res: Response,
    next: NextFunction,
  ) => {
    const header = req.headers.authorization ?? '';
    const [scheme, value = ''] = header.split(/ (.*)/s);
    let user: string | undefined;
    let pass: string | undefined;
    if (scheme?.toLowerCase() === 'basic') {
      [user, pass] = Buffer.from(value, 'base64').toString().split(/:(.*)/s);
    } else if (scheme?.toLowerCase() === 'token') {
      [user, pass] = [this.username, value];
    }
    if (user !== this.username || pass !== this.password) {
      res.setHeader('WWW-Authenticate', 'Basic realm="Portolan sandbox Git"');
      res.status(401).type('text/plain').send('Authentication required\n');
      return;
    }
    next();
  };

  /**
   * The Gitea REST API calls Backstage's Gitea UrlReader makes, over the
   * same repositories: `GET /api/v1/repos/<owner>/<repo>/git/commits/<ref>`
   * (the latest commit: readTree's ETag), `.../archive/<ref>.tar.gz` and
   * `.../contents/<path>?ref=` (base64, ETag: the blob id, 304 on a match).
   */
  giteaRouter(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.disable('etag');
    app.use(this.requireAuth);
    const repoOf = (owner: string, repo: string) => {
      const name = validRepo(repo);
      if (owner !== SANDBOX_GIT_OWNER || !fs.existsSync(this.repoDir(name))) {
        throw Object.assign(new Error('Not Found'), { status: 404 });
      }
      return name;
    };
    const validRef = (ref: string) => {
      if (
        !/^[\w./-]+$/.test(ref) ||
        ref.startsWith('-') ||
        ref.includes('..')
      ) {
        throw Object.assign(new Error(`invalid ref '${ref}'`), { status: 400 });
      }
      return ref;
    };
    const commitOf = async (name: string, ref: string) => {
      const sha =
        this.branchHead(name, validRef(ref)) ??
        (await this.revParse(name, `${ref}^{commit}`));
      if (!sha) {
        throw Object.assign(new Error(`ref '${ref}' not found`), {
          status: 404,
        });
      }
      return sha;
    };
    app.get(
      '/api/v1/repos/:owner/:repo/git/commits/:ref',
      wrap(async (req, res) => {
        this.requests.commits++;
        const name = repoOf(req.params.owner, req.params.repo);
        const sha = await commitOf(name, req.params.ref);
        res.json({ sha, url: `${req.baseUrl}${req.path}` });
      }),
    );
    app.get(
      /^\/api\/v1\/repos\/([^/]+)\/([^/]+)\/archive\/(.+)\.tar\.gz$/,
      wrap(async (req, res) => {
        this.requests.archives++;
        const name = repoOf(req.params[0], req.params[1]);
        const sha = await commitOf(name, req.params[2]);
        const child = spawn('git', [
          '--git-dir',
          this.repoDir(name),
          'archive',
          '--format=tar.gz',
          `--prefix=${name}/`,
          sha,
        ]);
        res.type('application/gzip');
        child.stdout.pipe(res);
        child.on('error', () => res.destroy());
      }),
    );
    app.get(
      /^\/api\/v1\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/,
      wrap(async (req, res) => {
        this.requests.contents++;
        const name = repoOf(req.params[0], req.params[1]);
        const file = req.params[2];
        if (file.split('/').includes('..')) {
          res.status(400).json({ message: 'invalid path' });
          return;
        }
        const ref = String(req.query.ref ?? 'main');
        const sha = await commitOf(name, ref);
        const blob = await this.revParse(name, `${sha}:${file}`);
        if (!blob) {
          res.status(404).json({ message: 'Not Found' });
          return;
        }
        const etag = `"${blob}"`;
        res.setHeader('ETag', etag);
        if (req.headers['if-none-match'] === etag) {
          res.status(304).end();
          return;
        }
        const { stdout } = await run(
          'git',
          ['--git-dir', this.repoDir(name), 'cat-file', 'blob', blob],
          { encoding: 'buffer', maxBuffer: 20 * 1024 * 1024 },
        );
        res.json({
          name: path.posix.basename(file),
          path: file,
          sha: blob,
          type: 'file',
          encoding: 'base64',
          content: (stdout as unknown as Buffer).toString('base64'),
        });
      }),
    );
    app.use((error: any, _req: Request, res: Response, _next: NextFunction) => {
      res
        .status(error?.status ?? 500)
        .json({ message: String(error?.message ?? error) });
    });
    return app;
  }

  /**
   * A branch's commit read straight from its loose ref file (what a push or
   * fast-import writes), sparing a git process per lookup; undefined when
   * the ref is not a plain branch stored that way.
   */
  private branchHead(name: string, ref: string): string | undefined {
    if (!/^[\w.-]+$/.test(ref)) return undefined;
    try {
      const sha = fs
        .readFileSync(
          path.join(this.repoDir(name), 'refs', 'heads', ref),
          'utf8',
        )
        .trim();
      return /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
    } catch {
      return undefined;
    }
  }

  /** The object id a revision names in a repository, or undefined. */
  private async revParse(name: string, rev: string) {
    try {
      const { stdout } = await run('git', [
        '--git-dir',
        this.repoDir(name),
        'rev-parse',
        '--verify',
        '--end-of-options',
        rev,
      ]);
      return stdout.trim();
    } catch {
      return undefined;
    }
  }

  private repoDir(name: string) {
    return path.join(this.root, `${name}.git`);
  }

  private async ensureRepo(name: string): Promise<boolean> {
    const dir = this.repoDir(name);
    if (fs.existsSync(dir)) return false;
    await run('git', ['init', '--bare', '--initial-branch=main', dir]);
    await run('git', ['--git-dir', dir, 'config', 'http.receivepack', 'true']);
    return true;
  }

  private cgi(req: Request, res: Response, pathInfo: string) {
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: this.root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: pathInfo,
        REMOTE_USER: this.username,
        REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
        REQUEST_METHOD: req.method,
        QUERY_STRING: req.url.split('?')[1] ?? '',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
        GIT_HTTP_MAX_REQUEST_BUFFER: '100M',
      },
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      headersDone = true;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const i = line.indexOf(':');
        const key = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (key.toLowerCase() === 'status') res.status(parseInt(value, 10));
        else res.setHeader(key, value);
      }
      res.write(head.subarray(end + 4));
    });
    child.on('close', () => res.end());
    child.on('error', () => res.status(500).end());
  }
}
