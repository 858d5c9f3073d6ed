export { default } from './plugin';
export { finopsApiRef } from './api/FinopsApi';
export type { FinopsApi } from './api/FinopsApi';
export { FinopsClient } from './api/FinopsClient';
