/** Portolan's log search: a Logs tab on service pages and a team page. */
export { default } from './plugin';
export { logsApiRef } from './api/LogsApi';
export type { LogsApi, LogSubject } from './api/LogsApi';
