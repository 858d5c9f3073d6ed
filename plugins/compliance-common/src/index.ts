export * from './checks';
export * from './permissions';
export * from './types';
export * from './entity';
