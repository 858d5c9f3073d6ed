export * from './annotations';
export * from './environments';
