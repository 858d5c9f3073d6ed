/** One seeded repository: its name and files (path → content). */
export interface SeedRepository {
  name: string;
  files: Record<string, string>;
}

/**
 * Services whose repositories lack a CI workflow or a CODEOWNERS file, so the
 * compliance Git checks show a believable spread rather than all green.
 */
export const WITHOUT_CI_WORKFLOW = new Set([
  'search-service',
  'fraud-detector',
]);
export const WITHOUT_CODEOWNERS = new Set([
  'fraud-detector',
  'session-service',
  'web-shop',
]);

/** The files of a seeded service's repository; the same for the same inputs. */
export function serviceRepository(service: {
  name: string;
  owner: string;
}): SeedRepository {
  const { name, owner } = service;
  const files: Record<string, string> = {
    'README.md': `# ${name}\n\nOwned by ${owner}. Deployed by Argo CD from deploy/.\n`,
    Dockerfile: `FROM registry.portolan.example/base/runtime:2026.10\nCOPY build/${name} /app/${name}\nENTRYPOINT ["/app/${name}"]\n`,
    'deploy/base/kustomization.yaml': `resources:\n  - deployment.yaml\nnamePrefix: ${name}-\n`,
  };
  if (!WITHOUT_CI_WORKFLOW.has(name)) {
    files['.github/workflows/ci.yml'] = [
      'name: CI',
      'on: [push, pull_request]',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '      - run: make test',
      '      - run: make image',
      '',
    ].join('\n');
  }
  if (!WITHOUT_CODEOWNERS.has(name)) {
    // Both places GitHub, GitLab and Gitea look; a spread of them.
    const at = name.length % 2 ? '.github/CODEOWNERS' : 'CODEOWNERS';
    files[at] = `* @portolan/${owner}\n`;
  }
  return { name, files };
}

/** The repositories of the catalog's services, in name order. */
export function serviceRepositories(
  services: Array<{ name: string; owner: string }>,
): SeedRepository[] {
  return [...services]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(serviceRepository);
}
