import {
  ApiBlueprint,
  AppRootElementBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { AssistantClient, assistantApiRef } from './api/AssistantClient';
import { AssistantLauncher } from './components/AssistantLauncher';

const assistantApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: assistantApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new AssistantClient(deps),
    }),
});

/** The assistant drawer, on every page (its code loads on first open). */
const assistantDrawer = AppRootElementBlueprint.make({
  name: 'drawer',
  params: { element: <AssistantLauncher /> },
});

export default createFrontendPlugin({
  pluginId: 'assistant',
  extensions: [assistantApi, assistantDrawer],
});
