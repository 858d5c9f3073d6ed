import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, Healthcheck, Instruction } from 'dockerfile-ast';
import ignore from 'ignore';
import { repoRoot } from './kustomize';

// No Docker engine runs here: the Dockerfile is parsed and held to the
// rules below, and its build steps must be the commands bin/portal runs
// (which every CI run exercises).
const dockerfile = DockerfileParser.parse(
  readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'),
);
const portal = readFileSync(join(repoRoot, 'bin/portal'), 'utf8');
const instructions = dockerfile.getInstructions();
const froms = dockerfile.getFROMs();
const finalStageStart = froms[froms.length - 1].getRange().start.line;
const finalStage = instructions.filter(
  i => i.getRange().start.line >= finalStageStart,
);

const args = (i: Instruction) =>
  (i.getArgumentsContent() ?? '').replace(/\\\n/g, ' ').replace(/\s+/g, ' ');
const jsonArgs = (i: Instruction): string[] => JSON.parse(args(i));
const last = (keyword: string, stage = finalStage) =>
  stage.filter(i => i.getKeyword() === keyword).pop();

/** The body of a shell function in bin/portal. */
function portalFunction(name: string): string {
  const match = new RegExp(`^${name}\\(\\) \\{\\n([\\s\\S]*?)^\\}`, 'm').exec(
    portal,
  );
  if (!match) throw new Error(`bin/portal has no function ${name}`);
  return match[1];
}

describe('Dockerfile', () => {
  it('pins every base image to the Node version bin/portal bootstraps', () => {
    const nodeVersion = /^NODE_VERSION=(\S+)$/m.exec(portal)?.[1];
    expect(nodeVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) {
      // A digest pins; else an exact version tag, never latest or a major.
      expect(from.getImageDigest() ?? from.getImageTag()).toMatch(
        /^(sha256:[0-9a-f]{64}|\d+\.\d+\.\d+(-[a-z0-9.-]+)?)$/,
      );
    }
    const nodeFroms = froms.filter(f => f.getImageName() === 'node');
    expect(nodeFroms.map(f => f.getImageTag()?.split('-')[0])).toEqual(
      nodeFroms.map(() => nodeVersion),
    );
  });

  it('runs as a numeric non-root user in the final stage', () => {
    const user = last('USER');
    expect(user).toBeDefined();
    const uid = args(user!).split(':')[0];
    // Numeric, so Kubernetes can check runAsNonRoot without /etc/passwd.
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    // Nothing after USER switches back.
    const after = finalStage.slice(finalStage.indexOf(user!) + 1);
    expect(after.filter(i => i.getKeyword() === 'USER')).toEqual([]);
  });

  it('checks liveness over HTTP with the tools the image has', () => {
    const healthcheck = last('HEALTHCHECK');
    expect(healthcheck).toBeDefined();
    const flags = (healthcheck as Healthcheck).getFlags().map(f => f.getName());
    expect(flags).toEqual(expect.arrayContaining(['interval', 'timeout']));
    const text = args(healthcheck!);
    expect(text).toContain('/.backstage/health/v1/liveness');
    // The slim image has no curl or wget: Node's own fetch.
    expect(text).not.toMatch(/\b(curl|wget)\b/);
  });

  it('builds with exactly the commands of bin/portal build', () => {
    const runs = instructions
      .filter(i => i.getKeyword() === 'RUN')
      .map(args)
      .join('\n');
    // ensure_install: the bundled Yarn, against the committed lock file.
    const yarnJs = /^YARN_JS="\$ROOT\/(\S+)"$/m.exec(portal)?.[1];
    expect(yarnJs).toBeDefined();
    expect(portalFunction('ensure_install')).toContain(
      'yarn install --immutable',
    );
    expect(runs).toContain(`node ${yarnJs} install --immutable`);
    // ensure_build: the app's production bundle, built in packages/app.
    const build = portalFunction('ensure_build');
    expect(build).toContain(
      '(cd packages/app && node "$ROOT/node_modules/.bin/backstage-cli" package build)',
    );
    expect(runs).toContain(
      'cd packages/app && node /app/node_modules/.bin/backstage-cli package build',
    );
  });

  it('starts the backend the way bin/portal start does', () => {
    const start = portalFunction('cmd_start');
    expect(start).toContain('(cd packages/backend && NODE_ENV=production');
    expect(start).toContain('--require "$NODE_TRANSFORM"');
    const transform = /^NODE_TRANSFORM="(\S+)"$/m.exec(portal)?.[1];
    const heap = /PORTOLAN_BACKEND_HEAP_MB:-(\d+)/.exec(start)?.[1];

    const cmd = jsonArgs(last('CMD')!);
    expect(cmd.slice(0, 5)).toEqual([
      'node',
      `--max-old-space-size=${heap}`,
      '--require',
      transform,
      'src/index.ts',
    ]);
    expect(cmd.slice(5)).toEqual([
      '--config',
      '/app/app-config.yaml',
      '--config',
      '/app/app-config.production.yaml',
    ]);
    expect(args(last('WORKDIR')!)).toBe('/app/packages/backend');
    expect(args(last('ENV')!)).toContain('NODE_ENV=production');
  });
});

describe('.dockerignore', () => {
  const rules = readFileSync(join(repoRoot, '.dockerignore'), 'utf8');
  const ignored = ignore().add(rules);

  it('keeps local state, dependencies, builds and secrets out of the context', () => {
    for (const path of [
      '.git/HEAD',
      '.data/sqlite/catalog.sqlite',
      '.tooling/node_modules/node/bin/node',
      'node_modules/react/index.js',
      'plugins/logs-backend/node_modules/x/index.js',
      'packages/app/dist/index.html',
      'dist-types/packages/app/src/index.d.ts',
      '.yarn/cache/foo.zip',
      'e2e/tests/foundation.test.mjs',
      'bench/results/load.json',
      'app-config.local.yaml',
      '.env',
      'plugins/delivery-backend/src/router.test.ts',
    ]) {
      expect({ path, ignored: ignored.ignores(path) }).toEqual({
        path,
        ignored: true,
      });
    }
  });

  it('keeps everything the build stage needs', () => {
    for (const path of [
      'package.json',
      'yarn.lock',
      '.yarnrc.yml',
      '.yarn/releases/yarn-4.13.0.cjs',
      'backstage.json',
      'app-config.yaml',
      'app-config.production.yaml',
      'packages/app/package.json',
      'packages/app/src/index.tsx',
      'packages/backend/src/index.ts',
      'plugins/delivery-backend/src/plugin.ts',
      'plugins/delivery-backend/migrations/20250101_init.js',
      'catalog/org/groups.yaml',
      'templates/typescript-service/template.yaml',
    ]) {
      expect({ path, ignored: ignored.ignores(path) }).toEqual({
        path,
        ignored: false,
      });
    }
  });
});
