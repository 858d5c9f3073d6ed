import {
  CATALOG_FILTER_EXISTS,
  GetEntitiesRequest,
} from '@backstage/catalog-client';
import {
  KUBERNETES_ID_ANNOTATION,
  KUBERNETES_LABEL_SELECTOR_ANNOTATION,
} from '@portolan/plugin-delivery-common';

/**
 * One catalog query for every service whose workloads Portolan can find
 * (a Kubernetes id or label selector), with only the fields needed to match
 * them to pods and Rollouts.
 */
export const WORKLOAD_SERVICES_REQUEST: GetEntitiesRequest = {
  filter: [
    {
      kind: 'component',
      [`metadata.annotations.${KUBERNETES_ID_ANNOTATION}`]:
        CATALOG_FILTER_EXISTS,
    },
    {
      kind: 'component',
      [`metadata.annotations.${KUBERNETES_LABEL_SELECTOR_ANNOTATION}`]:
        CATALOG_FILTER_EXISTS,
    },
  ],
  fields: [
    'kind',
    'metadata.namespace',
    'metadata.name',
    'metadata.annotations',
  ],
};
