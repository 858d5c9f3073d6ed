import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { ActionsService } from '@backstage/backend-plugin-api/alpha';
import { truncateText } from './actions';

/** A deploy as `delivery:get-deployments` returns it (the fields others use). */
export interface ActionDeployment {
  environment: string;
  revision: string;
  startedAt: string;
  result: string;
  commit?: { message?: string };
}

/**
 * A service's newest deploys (at most 100), read through the delivery
 * plugin's own action with the caller's credentials, so its permissions
 * apply; a failure is returned as a reason, for the caller to pass on.
 */
export async function deploymentsOf(
  actions: ActionsService,
  q: { entityRef: string; environment?: string },
  credentials: BackstageCredentials,
): Promise<{ deployments: ActionDeployment[]; error?: string }> {
  try {
    const result = await actions.invoke({
      id: 'delivery:get-deployments',
      input: {
        entityRef: q.entityRef,
        limit: 100,
        ...(q.environment ? { environment: q.environment } : {}),
      },
      credentials,
    });
    const items = (result.output as { deployments?: ActionDeployment[] })
      ?.deployments;
    return { deployments: Array.isArray(items) ? items : [] };
  } catch (error) {
    return {
      deployments: [],
      error: `Deploys could not be read: ${truncateText(
        (error as Error).message,
        200,
      )}`,
    };
  }
}
