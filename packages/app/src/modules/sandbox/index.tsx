import {
  AppRootElementBlueprint,
  createFrontendModule,
} from '@backstage/frontend-plugin-api';
import { SandboxLabel } from './SandboxLabel';

/** Marks every page as showing sandbox data when the sandbox is on. */
export const sandboxModule = createFrontendModule({
  pluginId: 'app',
  extensions: [
    AppRootElementBlueprint.make({
      name: 'sandbox-label',
      params: { element: <SandboxLabel /> },
    }),
  ],
});
