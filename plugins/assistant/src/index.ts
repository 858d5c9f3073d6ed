/** The assistant drawer: on every page, aware of the entity being viewed. */
export { default } from './plugin';
export { assistantApiRef } from './api/AssistantClient';
export type { AssistantApi } from './api/AssistantClient';
