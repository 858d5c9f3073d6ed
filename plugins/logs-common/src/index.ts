export * from './actions';
export * from './annotations';
export * from './api';
export * from './fields';
export * from './permissions';
