import { SignInPage, SignInProviderConfig } from '@backstage/core-components';
import {
  configApiRef,
  githubAuthApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import type { SignInPageProps } from '@backstage/plugin-app-react';

const PROVIDERS: Record<string, SignInProviderConfig | 'guest'> = {
  guest: 'guest',
  github: {
    id: 'github-auth-provider',
    title: 'GitHub',
    message: 'Sign in with your GitHub account',
    apiRef: githubAuthApiRef,
  },
};

/**
 * The providers to offer for the names in `portolan.signIn.providers`;
 * unknown names are dropped, and guest is the fallback only when nothing
 * is configured at all (the embedded default).
 */
export function signInProviders(
  names: string[] | undefined,
): Array<SignInProviderConfig | 'guest'> {
  return (names ?? ['guest']).flatMap(name => {
    const provider = PROVIDERS[name];
    return provider ? [provider] : [];
  });
}

/**
 * Sign-in page. Which providers are offered is config
 * (`portolan.signIn.providers`): guest in the embedded default, GitHub in
 * production, so production never shows a guest button.
 */
export function PortolanSignInPage(props: SignInPageProps) {
  const config = useApi(configApiRef);
  const providers = signInProviders(
    config.getOptionalStringArray('portolan.signIn.providers'),
  );
  return (
    <SignInPage
      {...props}
      title="Sign in to Portolan"
      align="center"
      providers={providers}
    />
  );
}
