/** Portolan's assistant backend plugin. */
export { assistantPlugin as default } from './plugin';
