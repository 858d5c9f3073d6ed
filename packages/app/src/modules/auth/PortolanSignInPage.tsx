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
 * Sign-in page. Which providers are offered is config
 * (`portolan.signIn.providers`): guest in the embedded default, GitHub in
 * production, so production never shows a guest button.
 */
export function PortolanSignInPage(props: SignInPageProps) {
  const config = useApi(configApiRef);
  const names = config.getOptionalStringArray('portolan.signIn.providers') ?? [
    'guest',
  ];
  const providers = names.flatMap(name => {
    const provider = PROVIDERS[name];
    return provider ? [provider] : [];
  });
  return (
    <SignInPage
      {...props}
      title="Portolan"
      align="center"
      providers={providers.length ? providers : ['guest']}
    />
  );
}
