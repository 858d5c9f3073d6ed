export * from './actions';
export * from './annotations';
export * from './costJumps';
export * from './money';
export * from './permissions';
export * from './types';
