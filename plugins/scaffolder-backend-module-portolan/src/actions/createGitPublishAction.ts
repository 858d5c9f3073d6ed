import { ConflictError, InputError } from '@backstage/errors';
import {
  cloneRepo,
  commitAndPushRepo,
  createTemplateAction,
  initRepoAndPush,
} from '@backstage/plugin-scaffolder-node';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z as zod } from 'zod';
import { ServiceAccess } from '../access/ServiceAccess';
import { GitRemoteConfig, readRemoteRefs, repoUrl } from '../gitRemote';
import { checkedString, entityRefString, parseInput } from '../inputs';
import {
  branchNameProblems,
  PROTECTED_BRANCHES,
  serviceNameProblems,
  workspacePath,
} from '../names';

const inputSchema = zod.object({
  repo: checkedString(serviceNameProblems),
  service: checkedString(serviceNameProblems).optional(),
  owner: entityRefString.optional(),
  system: entityRefString.optional(),
  sourcePath: zod.string().optional(),
  branch: checkedString(branchNameProblems)
    .refine(
      b => !PROTECTED_BRANCHES.includes(b),
      `must not be ${PROTECTED_BRANCHES.join(
        ' or ',
      )}: an existing repository gets a new branch`,
    )
    .optional(),
  defaultBranch: checkedString(branchNameProblems).default('main'),
  commitMessage: zod
    .string()
    .min(1)
    .max(2000)
    .default('Initial commit from Portolan'),
  addOnly: zod.boolean().default(false),
});

/**
 * `portolan:git:publish`: pushes the workspace (or a directory of it) to
 * any Git smart-HTTP server — a new repository on its default branch, or,
 * for an existing repository, a new branch on top of its default branch;
 * never the default branch of an existing repository, never a branch that
 * exists. The person running the template must be allowed to change the
 * service (and the service a repository is named after). Credentials come
 * from config (`portolan.git`), never from template input, so they cannot
 * reach the task log.
 */
export function createGitPublishAction(deps: {
  git?: GitRemoteConfig;
  access: ServiceAccess;
}) {
  return createTemplateAction({
    id: 'portolan:git:publish',
    description:
      'Pushes the workspace to the Portolan Git server (smart HTTP): a new repository, or a new branch of an existing one',
    supportsDryRun: true,
    schema: {
      input: {
        repo: z => z.string().describe('Repository name'),
        service: z =>
          z
            .string()
            .optional()
            .describe(
              'The service it belongs to (default: the repository name)',
            ),
        owner: z =>
          z
            .string()
            .optional()
            .describe(
              'Owning group, when the service is not in the catalog yet',
            ),
        system: z =>
          z
            .string()
            .optional()
            .describe('System, when the service is not in the catalog yet'),
        sourcePath: z =>
          z
            .string()
            .optional()
            .describe(
              'Directory of the workspace to push (default: all of it)',
            ),
        branch: z =>
          z
            .string()
            .optional()
            .describe(
              'Push to this new branch of an existing repository instead of creating one (never main or master, never an existing branch)',
            ),
        defaultBranch: z =>
          z
            .string()
            .default('main')
            .describe('The first branch of a new repository'),
        commitMessage: z =>
          z.string().max(2000).default('Initial commit from Portolan'),
        addOnly: z =>
          z
            .boolean()
            .default(false)
            .describe(
              'With branch: add only the files the repository lacks, and push nothing when it has them all',
            ),
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
      // The scaffolder checks the JSON schema only (no refinements, no zod defaults).
      const input = parseInput('portolan:git:publish', inputSchema, ctx.input);
      const { repo, branch, defaultBranch, commitMessage } = input;
      const dir = workspacePath(
        ctx.workspacePath,
        input.sourcePath,
        'sourcePath',
      );
      const git = deps.git;
      if (!git)
        throw new InputError(
          'portolan.git is not configured: no Git server to publish to',
        );
      if (branch !== undefined && branch === defaultBranch) {
        throw new InputError(
          `Input 'branch': '${branch}' is the default branch; an existing repository gets a new branch`,
        );
      }
      // Who may: checked before anything is read from or pushed to Git.
      const credentials = await ctx.getInitiatorCredentials();
      const access = await deps.access.check(
        {
          service: input.service ?? repo,
          owner: input.owner,
          system: input.system,
        },
        credentials,
      );
      const claimed =
        access.denied.length || access.problems.length
          ? []
          : await deps.access.checkRepository(
              repo,
              access.service,
              credentials,
            );
      ServiceAccess.assert(
        { denied: [...access.denied, ...claimed], problems: access.problems },
        `Not publishing to '${repo}'`,
      );

      const remoteUrl = repoUrl(git, repo);
      const refs = await readRemoteRefs(git, repo);
      if (!branch && refs.exists)
        throw new ConflictError(
          `Repository '${repo}' already exists on ${git.url}; nothing was pushed`,
        );
      if (branch) {
        if (!refs.exists)
          throw new InputError(
            `Repository '${repo}' does not exist on ${git.url}; nothing was pushed`,
          );
        if (branch === refs.defaultBranch) {
          throw new InputError(
            `Input 'branch': '${branch}' is the default branch of '${repo}'; an existing repository gets a new branch`,
          );
        }
        if (refs.branches.includes(branch)) {
          throw new ConflictError(
            `Branch '${branch}' already exists in '${repo}'; nothing was pushed`,
          );
        }
      }
      const ref = branch ?? defaultBranch;
      const rawBase = git.url.replace(/\/git$/, '');
      const repoContentsUrl = `${rawBase}/raw/${repo}/${ref}`;
      ctx.output('remoteUrl', remoteUrl);
      ctx.output('repoContentsUrl', repoContentsUrl);
      ctx.output('catalogInfoUrl', `${repoContentsUrl}/catalog-info.yaml`);
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would push ${
            path.relative(ctx.workspacePath, dir) || 'the workspace'
          } to ${remoteUrl} (${ref})`,
        );
        ctx.output('pushed', false);
        return;
      }
      const auth = { username: git.username, password: git.password };
      const author = { name: 'Portolan', email: 'portolan@localhost' };
      // A new repository, or an existing one without any branch yet: our
      // files are its first commit, on the branch we were asked for.
      if (!branch || refs.branches.length === 0) {
        const { commitHash } = await initRepoAndPush({
          dir,
          remoteUrl,
          auth,
          logger: ctx.logger,
          defaultBranch: ref,
          commitMessage,
          gitAuthorInfo: author,
        });
        ctx.logger.info(
          `created: ${
            branch ? `branch ${branch} of` : 'repository'
          } ${remoteUrl} (${ref} at ${commitHash.slice(0, 7)})`,
        );
        ctx.output('commitHash', commitHash);
        ctx.output('pushed', true);
        return;
      }
      // An existing repository: its default branch plus our files, on a new branch.
      const base = refs.defaultBranch ?? refs.branches[0];
      const clone = await fs.mkdtemp(path.join(os.tmpdir(), 'portolan-clone-'));
      try {
        await cloneRepo({
          url: remoteUrl,
          dir: clone,
          auth,
          logger: ctx.logger,
          ref: base,
        });
        const kept: string[] = [];
        let added = 0;
        await fs.cp(dir, clone, {
          recursive: true,
          filter: async src => {
            const rel = path.relative(dir, src);
            if (rel.split(path.sep).includes('.git')) return false;
            if (!input.addOnly || !rel) return true;
            const target = await fs
              .stat(path.join(clone, rel))
              .catch(() => undefined);
            if (!target) {
              if (!(await fs.stat(src)).isDirectory()) added++;
              return true;
            }
            if (target.isDirectory()) return true;
            kept.push(rel);
            return false;
          },
        });
        if (input.addOnly) {
          if (kept.length)
            ctx.logger.info(
              `kept: ${kept.join(', ')}, which ${repo} already has on ${base}`,
            );
          if (added === 0) {
            ctx.logger.info(
              `unchanged: ${remoteUrl} already has every file on ${base}; nothing was pushed`,
            );
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
          branch: base,
          remoteRef: `refs/heads/${branch}`,
        });
        ctx.logger.info(
          `created: branch ${branch} of ${remoteUrl} at ${commitHash.slice(
            0,
            7,
          )}`,
        );
        ctx.output('commitHash', commitHash);
        ctx.output('pushed', true);
      } finally {
        await fs.rm(clone, { recursive: true, force: true });
      }
    },
  });
}
