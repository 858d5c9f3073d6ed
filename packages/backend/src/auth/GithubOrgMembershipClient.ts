import {
  AuthenticationError,
  NotAllowedError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { z } from 'zod';

/** GET /user/memberships/orgs/{org}: the fields Portolan reads. */
const membershipSchema = z.object({
  state: z.enum(['active', 'pending']),
  organization: z.object({ login: z.string() }),
});

const GITHUB_API = 'https://api.github.com';

/**
 * Asks GitHub, with the signed-in user's own token, which of the given
 * organisations they are an active member of
 * (https://docs.github.com/en/rest/orgs/members#get-an-organization-membership-for-the-authenticated-user,
 * which needs the read:org scope). Every call has a timeout; errors name
 * GitHub and the organisation, never the URL or the token.
 */
export class GithubOrgMembershipClient {
  static create(options: { apiBaseUrl?: string; timeoutMs?: number } = {}) {
    return new GithubOrgMembershipClient(
      (options.apiBaseUrl ?? GITHUB_API).replace(/\/+$/, ''),
      options.timeoutMs ?? 5000,
    );
  }

  /** The API of github.com, or of a GitHub Enterprise Server instance. */
  static apiBaseUrlFor(enterpriseInstanceUrl: string | undefined): string {
    return enterpriseInstanceUrl
      ? `${enterpriseInstanceUrl.replace(/\/+$/, '')}/api/v3`
      : GITHUB_API;
  }

  private constructor(
    private readonly apiBaseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  /** The organisations (of those asked) the token's user is an active member of. */
  async activeMemberships(
    accessToken: string,
    organizations: string[],
  ): Promise<string[]> {
    const answers = await Promise.all(
      organizations.map(org => this.isActiveMember(accessToken, org)),
    );
    return organizations.filter((_, i) => answers[i]);
  }

  private async isActiveMember(
    accessToken: string,
    org: string,
  ): Promise<boolean> {
    let res: Response;
    try {
      res = await fetch(
        `${this.apiBaseUrl}/user/memberships/orgs/${encodeURIComponent(org)}`,
        {
          headers: {
            Accept: 'application/vnd.github+json',
            Authorization: `Bearer ${accessToken}`,
            'X-GitHub-Api-Version': '2022-11-28',
            'User-Agent': 'Portolan',
          },
          signal: AbortSignal.timeout(this.timeoutMs),
        },
      );
    } catch (error) {
      const timedOut = (error as Error)?.name === 'TimeoutError';
      throw new ServiceUnavailableError(
        timedOut
          ? `GitHub did not answer the membership check for organisation '${org}' within ${
              this.timeoutMs / 1000
            } s`
          : `GitHub could not be reached for the membership check of organisation '${org}'`,
      );
    }
    // Not a member (or the organisation is invisible to this user).
    if (res.status === 404) return false;
    if (res.status === 401) {
      throw new AuthenticationError(
        'GitHub did not accept the sign-in token for the organisation membership check',
      );
    }
    if (res.status === 403) {
      throw new NotAllowedError(
        `GitHub refused to show your membership of organisation '${org}': Portolan's GitHub app needs ` +
          'the read:org scope and, if the organisation restricts OAuth apps, an owner must approve it',
      );
    }
    if (!res.ok) {
      throw new ServiceUnavailableError(
        `GitHub answered ${res.status} to the membership check of organisation '${org}'`,
      );
    }
    const parsed = membershipSchema.safeParse(
      await res.json().catch(() => undefined),
    );
    if (!parsed.success) {
      throw new ServiceUnavailableError(
        `GitHub's answer to the membership check of organisation '${org}' was not understood`,
      );
    }
    return (
      parsed.data.state === 'active' &&
      parsed.data.organization.login.toLowerCase() === org.toLowerCase()
    );
  }
}
