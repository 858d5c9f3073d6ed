/** Portolan's log search backend plugin. */
export { logsPlugin as default } from './plugin';
