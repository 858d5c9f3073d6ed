import { sandboxSignInFailure, signInProviders } from './PortolanSignInPage';

describe('signInProviders', () => {
  it('offers only GitHub with production config, no guest', () => {
    const providers = signInProviders(['github']);
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({ id: 'github-auth-provider' });
    expect(providers).not.toContain('guest');
  });

  it('offers OpenID Connect single sign-on when config names it', () => {
    expect(signInProviders(['oidc', 'github'])).toEqual([
      expect.objectContaining({
        id: 'oidc-auth-provider',
        title: 'Single sign-on',
      }),
      expect.objectContaining({ id: 'github-auth-provider' }),
    ]);
  });

  it('offers guest when config names it, and by default', () => {
    expect(signInProviders(['guest'])).toEqual(['guest']);
    expect(signInProviders(undefined)).toEqual(['guest']);
  });

  it('drops unknown names instead of falling back to guest', () => {
    expect(signInProviders(['github', 'carrier-pigeon'])).toEqual([
      expect.objectContaining({ id: 'github-auth-provider' }),
    ]);
    expect(signInProviders(['carrier-pigeon'])).toEqual([]);
  });
});

describe('sandboxSignInFailure', () => {
  it('says the backend refused sandbox sign-in when its provider does not exist (404)', () => {
    expect(
      sandboxSignInFailure({
        statusCode: 404,
        message: 'Request failed with 404 Not Found',
      }),
    ).toMatch(
      /^Sandbox sign-in is not available on this portal: the backend refused it/,
    );
  });

  it("shows the backend's reason rather than the status line", () => {
    expect(
      sandboxSignInFailure({
        statusCode: 401,
        message: 'Request failed with 401 Unauthorized',
        cause: { message: "There is no user 'mallory' in the catalog" },
      }),
    ).toBe("There is no user 'mallory' in the catalog");
    expect(sandboxSignInFailure(new Error('Network down'))).toBe(
      'Network down',
    );
    expect(sandboxSignInFailure(undefined)).toBe('Sign-in failed');
  });
});
