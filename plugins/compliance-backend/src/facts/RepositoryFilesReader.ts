import { UrlReaderService } from '@backstage/backend-plugin-api';
import type { SourceFacts } from './ServiceFacts';

/** The files of a repository the Git checks look at, and where it was read. */
export interface RepositoryFacts {
  /** The tree read (the service's source location). */
  url: string;
  /** Commit (or the integration's ETag) of what was read. */
  etag: string;
  /** CI definitions and CODEOWNERS files found, repository-relative paths. */
  files: string[];
}

/** CI definitions of the forges Backstage integrates with. */
const CI_FILE =
  /^(\.github\/workflows\/[^/]+\.ya?ml|\.gitea\/workflows\/[^/]+\.ya?ml|\.forgejo\/workflows\/[^/]+\.ya?ml|\.gitlab-ci\.ya?ml|azure-pipelines\.ya?ml|\.azure-pipelines\/[^/]+\.ya?ml|bitbucket-pipelines\.yml|Jenkinsfile)$/;
/** Where GitHub, GitLab, Gitea and Bitbucket look for code owners. */
const CODEOWNERS_FILE = /^(\.github\/|\.gitlab\/|\.gitea\/|docs\/)?CODEOWNERS$/;

export const isCiFile = (path: string) => CI_FILE.test(path);
export const isCodeownersFile = (path: string) => CODEOWNERS_FILE.test(path);

/** Per cycle: trees read in full, trees unchanged since the last cycle, failures. */
export interface RepositoryReadStats {
  trees: number;
  notModified: number;
  failed: number;
}

/**
 * Reads the CI and CODEOWNERS files of services' repositories through
 * Backstage's UrlReader, so any configured integration works (GitHub,
 * GitLab, Bitbucket, Azure DevOps, Gitea, Gerrit...). One tree read per
 * repository per cycle, with the previous cycle's ETag: an unchanged
 * repository answers NotModified and its last files are reused. Reads run a
 * few at a time, each with a timeout.
 */
export class RepositoryFilesReader {
  private readonly cache = new Map<string, RepositoryFacts>();

  static create(deps: {
    reader: UrlReaderService;
    timeoutMs: number;
    concurrency?: number;
  }) {
    return new RepositoryFilesReader(deps);
  }

  private constructor(
    private readonly deps: {
      reader: UrlReaderService;
      timeoutMs: number;
      concurrency?: number;
    },
  ) {}

  /** Reads each distinct URL once; the answer per URL, with the cycle's figures. */
  async readAll(urls: string[]): Promise<{
    facts: Map<string, SourceFacts<RepositoryFacts>>;
    stats: RepositoryReadStats;
  }> {
    const unique = [...new Set(urls)];
    const stats: RepositoryReadStats = { trees: 0, notModified: 0, failed: 0 };
    const facts = new Map<string, SourceFacts<RepositoryFacts>>();
    let next = 0;
    const worker = async () => {
      while (next < unique.length) {
        const url = unique[next++];
        facts.set(url, await this.read(url, stats));
      }
    };
    await Promise.all(
      Array.from(
        { length: Math.min(this.deps.concurrency ?? 8, unique.length) },
        worker,
      ),
    );
    // Forget repositories no service names any more.
    for (const url of this.cache.keys()) {
      if (!facts.has(url)) this.cache.delete(url);
    }
    return { facts, stats };
  }

  private async read(
    url: string,
    stats: RepositoryReadStats,
  ): Promise<SourceFacts<RepositoryFacts>> {
    const previous = this.cache.get(url);
    try {
      const tree = await this.deps.reader.readTree(url, {
        etag: previous?.etag,
        signal: AbortSignal.timeout(this.deps.timeoutMs),
        filter: path => isCiFile(path) || isCodeownersFile(path),
      });
      const files = (await tree.files()).map(f => f.path).sort();
      const value = { url, etag: tree.etag, files };
      stats.trees++;
      this.cache.set(url, value);
      return { ok: true, value };
    } catch (error) {
      const e = error as Error;
      if (e?.name === 'NotModifiedError' && previous) {
        stats.notModified++;
        return { ok: true, value: previous };
      }
      stats.failed++;
      this.cache.delete(url);
      const why =
        e?.name === 'TimeoutError' || e?.name === 'AbortError'
          ? `no answer within ${this.deps.timeoutMs} ms`
          : e?.message ?? String(error);
      return {
        ok: false,
        reason: `The repository ${url} could not be read: ${why}`,
      };
    }
  }
}
