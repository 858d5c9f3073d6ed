import { InputError } from '@backstage/errors';
import {
  cloneRepo,
  commitAndPushRepo,
  createTemplateAction,
  initRepoAndPush,
} from '@backstage/plugin-scaffolder-node';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GitRemoteConfig, repoExists, repoUrl } from '../gitRemote';
import { serviceNameProblems, workspacePath } from '../names';

/**
 * `portolan:git:publish`: pushes the workspace (or a directory of it) to
 * any Git smart-HTTP server — a new repository on `main`, or, for an
 * existing repository, a new branch on top of its default branch.
 * Credentials come from config (`portolan.git`), never from template input,
 * so they cannot reach the task log.
 */
export function createGitPublishAction(deps: { git?: GitRemoteConfig }) {
  return createTemplateAction({
    id: 'portolan:git:publish',
    description: 'Pushes the workspace to the Portolan Git server (smart HTTP)',
    supportsDryRun: true,
    schema: {
      input: {
        repo: z => z.string().describe('Repository name'),
        sourcePath: z => z.string().optional().describe('Directory of the workspace to push (default: all of it)'),
        branch: z =>
          z
            .string()
            .regex(/^[A-Za-z0-9._/-]{1,100}$/)
            .optional()
            .describe('Push to this new branch of an existing repository instead of creating one'),
        defaultBranch: z => z.string().regex(/^[A-Za-z0-9._/-]{1,100}$/).default('main'),
        commitMessage: z => z.string().max(2000).default('Initial commit from Portolan'),
        addOnly: z =>
          z
            .boolean()
            .default(false)
            .describe('With branch: add only the files the repository lacks, and push nothing when it has them all'),
      },
      output: {
        remoteUrl: z => z.string(),
        repoContentsUrl: z => z.string(),
        catalogInfoUrl: z => z.string(),
        commitHash: z => z.string().optional(),
        pushed: z => z.boolean().describe('Whether anything was pushed'),
      },
    },
    async handler(ctx) {
      const { repo, branch } = ctx.input;
      const defaultBranch = ctx.input.defaultBranch ?? 'main';
      const commitMessage = ctx.input.commitMessage ?? 'Initial commit from Portolan';
      const problems = serviceNameProblems(repo);
      if (problems.length) throw new InputError(`Input 'repo': ${problems.join('; ')}`);
      const dir = workspacePath(ctx.workspacePath, ctx.input.sourcePath, 'sourcePath');
      const git = deps.git;
      if (!git) throw new InputError('portolan.git is not configured: no Git server to publish to');
      const remoteUrl = repoUrl(git, repo);
      const ref = branch ?? defaultBranch;
      const rawBase = git.url.replace(/\/git$/, '');
      const repoContentsUrl = `${rawBase}/raw/${repo}/${ref}`;
      ctx.output('remoteUrl', remoteUrl);
      ctx.output('repoContentsUrl', repoContentsUrl);
      ctx.output('catalogInfoUrl', `${repoContentsUrl}/catalog-info.yaml`);
      if (ctx.isDryRun) {
        ctx.logger.info(`Dry run: would push ${path.relative(ctx.workspacePath, dir) || 'the workspace'} to ${remoteUrl} (${ref})`);
        ctx.output('pushed', false);
        return;
      }
      const auth = { username: git.username, password: git.password };
      const author = { name: 'Portolan', email: 'portolan@localhost' };
      const exists = await repoExists(git, repo);
      if (!branch) {
        if (exists) throw new InputError(`Repository '${repo}' already exists on ${git.url}; nothing was pushed`);
        const { commitHash } = await initRepoAndPush({
          dir,
          remoteUrl,
          auth,
          logger: ctx.logger,
          defaultBranch,
          commitMessage,
          gitAuthorInfo: author,
        });
        ctx.logger.info(`created: repository ${remoteUrl} (${defaultBranch} at ${commitHash.slice(0, 7)})`);
        ctx.output('commitHash', commitHash);
        ctx.output('pushed', true);
        return;
      }
      if (!exists) throw new InputError(`Repository '${repo}' does not exist on ${git.url}; nothing was pushed`);
      // An existing repository: its default branch plus our files, on a new branch.
      const clone = await fs.mkdtemp(path.join(os.tmpdir(), 'portolan-clone-'));
      try {
        await cloneRepo({ url: remoteUrl, dir: clone, auth, logger: ctx.logger, ref: defaultBranch });
        const kept: string[] = [];
        let added = 0;
        await fs.cp(dir, clone, {
          recursive: true,
          filter: async src => {
            const rel = path.relative(dir, src);
            if (rel.split(path.sep).includes('.git')) return false;
            if (!ctx.input.addOnly || !rel) return true;
            const target = await fs.stat(path.join(clone, rel)).catch(() => undefined);
            if (!target) {
              if (!(await fs.stat(src)).isDirectory()) added++;
              return true;
            }
            if (target.isDirectory()) return true;
            kept.push(rel);
            return false;
          },
        });
        if (ctx.input.addOnly) {
          if (kept.length) ctx.logger.info(`kept: ${kept.join(', ')}, which ${repo} already has on ${defaultBranch}`);
          if (added === 0) {
            ctx.logger.info(`unchanged: ${remoteUrl} already has every file on ${defaultBranch}; nothing was pushed`);
            ctx.output('pushed', false);
            return;
          }
        }
        const { commitHash } = await commitAndPushRepo({
          dir: clone,
          auth,
          logger: ctx.logger,
          commitMessage,
          gitAuthorInfo: author,
          // Commit on the checked-out default branch locally; push it as the new branch.
          branch: defaultBranch,
          remoteRef: `refs/heads/${branch}`,
        });
        ctx.logger.info(`created: branch ${branch} of ${remoteUrl} at ${commitHash.slice(0, 7)}`);
        ctx.output('commitHash', commitHash);
        ctx.output('pushed', true);
      } finally {
        await fs.rm(clone, { recursive: true, force: true });
      }
    },
  });
}
