export * from './annotations';
export * from './deployments';
export * from './dora';
export * from './environments';
export * from './rollouts';
