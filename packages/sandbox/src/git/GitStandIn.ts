import { execFile, spawn } from 'node:child_process';
import express, { NextFunction, Request, Response } from 'express';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

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
 */
export class GitStandIn {
  constructor(
    private readonly root: string,
    private readonly username: string,
    private readonly password: string,
  ) {
    fs.mkdirSync(root, { recursive: true });
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
    app.use((req, res, next) => {
      const header = req.headers.authorization ?? '';
      const [user, pass] = header.startsWith('Basic ')
        ? Buffer.from(header.slice(6), 'base64').toString().split(/:(.*)/s)
        : [];
      if (user !== this.username || pass !== this.password) {
        res.setHeader('WWW-Authenticate', 'Basic realm="Portolan sandbox Git"');
        res.status(401).type('text/plain').send('Authentication required\n');
        return;
      }
      next();
    });
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
