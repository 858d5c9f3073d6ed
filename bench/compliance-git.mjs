// Compliance (issue 13): see plugins/compliance-backend/bench/complianceBench.ts
// (git): 1,000 repositories in the sandbox Git stand-in read over HTTP through Backstage's Gitea UrlReader.
import { runTypeScriptBench } from './lib.mjs';

await runTypeScriptBench(
  'plugins/compliance-backend/bench/complianceBench.ts',
  ['git'],
  'compliance-git',
);
