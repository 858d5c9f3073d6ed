import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';
import { oidcAuthApi } from './oidcAuthApi';

/** The sign-in page, offering the providers named in config, and OIDC's auth API. */
export const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [
    oidcAuthApi,
    SignInPageBlueprint.make({
      params: {
        loader: () =>
          import('./PortolanSignInPage').then(m => m.PortolanSignInPage),
      },
    }),
  ],
});
