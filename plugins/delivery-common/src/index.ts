export * from './annotations';
export * from './deployments';
export * from './environments';
