export * from './annotations';
export * from './events';
export * from './permissions';
export type { ArgoCdReport } from './report';
export * from './selector';
export { EQUALITY_SELECTOR_CASES } from './selectorCases';
