import { signInProviders } from './PortolanSignInPage';

describe('signInProviders', () => {
  it('offers only GitHub with production config, no guest', () => {
    const providers = signInProviders(['github']);
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({ id: 'github-auth-provider' });
    expect(providers).not.toContain('guest');
  });

  it('offers OpenID Connect single sign-on when config names it', () => {
    expect(signInProviders(['oidc', 'github'])).toEqual([
      expect.objectContaining({ id: 'oidc-auth-provider', title: 'Single sign-on' }),
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
