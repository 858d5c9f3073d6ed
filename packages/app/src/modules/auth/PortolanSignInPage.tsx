import {
  Content,
  Header,
  InfoCard,
  Page,
  ProxiedSignInPage,
  SignInPage,
  SignInProviderConfig,
} from '@backstage/core-components';
import {
  configApiRef,
  githubAuthApiRef,
  IdentityApi,
  useApi,
} from '@backstage/frontend-plugin-api';
import type { SignInPageProps } from '@backstage/plugin-app-react';
import { Box, Button, Grid, TextField, Typography } from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { oidcAuthApiRef } from './oidcAuthApi';
import { useEffect, useState } from 'react';

const PROVIDERS: Record<string, SignInProviderConfig | 'guest'> = {
  guest: 'guest',
  github: {
    id: 'github-auth-provider',
    title: 'GitHub',
    message: 'Sign in with your GitHub account',
    apiRef: githubAuthApiRef,
  },
  oidc: {
    id: 'oidc-auth-provider',
    title: 'Single sign-on',
    message: 'Sign in with your organisation account (OpenID Connect)',
    apiRef: oidcAuthApiRef,
  },
};

/** The header the backend's sandbox provider reads (sandboxSignInModule). */
const SANDBOX_USER_HEADER = 'x-portolan-sandbox-user';
const CHOICE_KEY = 'portolan.signIn.choice';
const USER_NAME = /^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/;

type Choice = { provider: 'guest' } | { provider: 'sandbox'; user: string };

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
 * What to tell the user when sandbox sign-in fails: the backend's reason
 * (e.g. no such user in the catalog) rather than "Request failed with 401",
 * and for a 404 that the backend refused to offer sandbox sign-in at all.
 */
export function sandboxSignInFailure(error: unknown): string {
  const e = error as
    | { statusCode?: number; cause?: { message?: string }; message?: string }
    | undefined;
  if (e?.statusCode === 404) {
    return (
      'Sandbox sign-in is not available on this portal: the backend refused it ' +
      '(its log says why: production config, or a cluster, Argo CD or Git URL that is not on this machine).'
    );
  }
  return e?.cause?.message || e?.message || 'Sign-in failed';
}

function rememberedChoice(): Choice | undefined {
  try {
    const raw = JSON.parse(window.localStorage.getItem(CHOICE_KEY) ?? 'null');
    if (raw?.provider === 'guest') return { provider: 'guest' };
    if (
      raw?.provider === 'sandbox' &&
      typeof raw.user === 'string' &&
      USER_NAME.test(raw.user)
    ) {
      return { provider: 'sandbox', user: raw.user };
    }
  } catch {
    // A damaged entry is the same as none.
  }
  return undefined;
}

/** Signing out forgets the choice, so the picker shows again. */
function forgettingOnSignOut(identity: IdentityApi): IdentityApi {
  return {
    getProfileInfo: () => identity.getProfileInfo(),
    getBackstageIdentity: () => identity.getBackstageIdentity(),
    getCredentials: () => identity.getCredentials(),
    signOut: async () => {
      window.localStorage.removeItem(CHOICE_KEY);
      await identity.signOut();
    },
  };
}

/**
 * The embedded default's sign-in: guest, or — because the sandbox is a
 * whole fake organisation — "sign in as" any catalog user, to see the
 * portal as an owner, a non-owner or an admin.
 */
function SandboxSignInPage(props: SignInPageProps & { guest: boolean }) {
  const config = useApi(configApiRef);
  const users = (
    config.getOptionalConfigArray('portolan.signIn.sandboxUsers') ?? []
  ).map(c => ({
    name: c.getString('name'),
    title: c.getOptionalString('title'),
  }));
  const [choice, setChoice] = useState<Choice | undefined>(rememberedChoice);
  const [typed, setTyped] = useState('');
  const [failed, setFailed] = useState<string>();

  const choose = (next: Choice) => {
    window.localStorage.setItem(CHOICE_KEY, JSON.stringify(next));
    setFailed(undefined);
    setChoice(next);
  };

  if (choice) {
    const ErrorComponent = ({ error }: { error?: Error }) => {
      // Back to the picker, saying why.
      useEffect(() => {
        window.localStorage.removeItem(CHOICE_KEY);
        setFailed(sandboxSignInFailure(error));
        setChoice(undefined);
      }, [error]);
      return null;
    };
    return (
      <ProxiedSignInPage
        {...props}
        provider={choice.provider}
        headers={
          choice.provider === 'sandbox'
            ? { [SANDBOX_USER_HEADER]: choice.user }
            : undefined
        }
        onSignInSuccess={identity =>
          props.onSignInSuccess(forgettingOnSignOut(identity))
        }
        ErrorComponent={ErrorComponent}
      />
    );
  }

  const typedValid = USER_NAME.test(typed);
  return (
    <Page themeId="home">
      <Header
        title="Sign in to Portolan"
        subtitle="Embedded default: sandbox data, local sign-in"
      />
      <Content>
        {failed && (
          <Box mb={2}>
            <Alert severity="error">{failed}</Alert>
          </Box>
        )}
        <Grid container spacing={3} justifyContent="center">
          {props.guest && (
            <Grid item xs={12} md={4}>
              <InfoCard title="Guest" subheader="Look around; you own nothing">
                <Typography variant="body2" paragraph>
                  Signs in as user:development/guest. Reading works everywhere;
                  actions that need ownership (canary controls) are refused.
                </Typography>
                <Button
                  variant="contained"
                  color="primary"
                  onClick={() => choose({ provider: 'guest' })}
                >
                  Enter
                </Button>
              </InfoCard>
            </Grid>
          )}
          <Grid item xs={12} md={5}>
            <InfoCard
              title="Sign in as a catalog user"
              subheader="Sandbox only — production uses GitHub or OIDC"
            >
              <Typography variant="body2" paragraph>
                See the portal as a member of a team: its services' canaries can
                be promoted or aborted; other teams' cannot.
              </Typography>
              <Box
                display="flex"
                flexDirection="column"
                style={{ gap: 8 }}
                mb={2}
              >
                {users.map(u => (
                  <Button
                    key={u.name}
                    variant="outlined"
                    onClick={() =>
                      choose({ provider: 'sandbox', user: u.name })
                    }
                    aria-label={`Sign in as ${u.name}`}
                  >
                    {u.title ?? u.name}
                  </Button>
                ))}
              </Box>
              <Box display="flex" alignItems="flex-start" style={{ gap: 8 }}>
                <TextField
                  id="portolan-sandbox-user"
                  size="small"
                  variant="outlined"
                  label="Any user name"
                  placeholder="ken.thompson"
                  value={typed}
                  onChange={e => setTyped(e.target.value.trim())}
                  error={typed !== '' && !typedValid}
                  helperText={
                    typed !== '' && !typedValid
                      ? 'Lower case letters, digits, . _ -'
                      : ' '
                  }
                />
                <Button
                  color="primary"
                  variant="contained"
                  style={{ marginTop: 2 }}
                  disabled={!typedValid}
                  onClick={() => choose({ provider: 'sandbox', user: typed })}
                >
                  Sign in
                </Button>
              </Box>
            </InfoCard>
          </Grid>
        </Grid>
      </Content>
    </Page>
  );
}

/**
 * Sign-in page. Which providers are offered is config
 * (`portolan.signIn.providers`): guest and sandbox in the embedded default,
 * GitHub in production, so production never shows a guest button.
 */
export function PortolanSignInPage(props: SignInPageProps) {
  const config = useApi(configApiRef);
  const names = config.getOptionalStringArray('portolan.signIn.providers');
  const sandbox =
    (names ?? []).includes('sandbox') &&
    config.getOptionalBoolean('portolan.sandbox.enabled') === true;
  if (sandbox) {
    return (
      <SandboxSignInPage {...props} guest={(names ?? []).includes('guest')} />
    );
  }
  return (
    <SignInPage
      {...props}
      title="Sign in to Portolan"
      align="center"
      providers={signInProviders(names)}
    />
  );
}
