import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import { getCompoundEntityRef } from '@backstage/catalog-model';
import { Box, Tooltip, Typography } from '@material-ui/core';
import { ServiceEnvironment } from '@portolan/plugin-delivery-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { deliveryApiRef } from '../api/DeliveryApi';
import { relativeTime } from './relativeTime';
import { StatusChip } from './StatusChip';

/** The environment's Argo CD application, or why it could not be read. */
function ArgoCdAppCell({ row }: { row: ServiceEnvironment }) {
  if (row.error) {
    return (
      <Typography variant="body2" color="error" role="alert">
        {row.error.system}: {row.error.message}
      </Typography>
    );
  }
  if (!row.app) return null;
  return (
    <Box>
      <Link to={row.app.url}>{row.app.name}</Link>
      <Typography variant="caption" display="block" color="textSecondary">
        {row.instance}
      </Typography>
    </Box>
  );
}

const columns: TableColumn<ServiceEnvironment>[] = [
  {
    title: 'Environment',
    field: 'environment',
    render: row => (
      <Box>
        <Typography variant="subtitle2">{row.environment}</Typography>
        <EntityRefLink entityRef={row.cluster.entityRef} />
      </Box>
    ),
  },
  {
    title: 'Argo CD app',
    cellStyle: { minWidth: 220 },
    render: row => <ArgoCdAppCell row={row} />,
  },
  {
    title: 'Status',
    render: row =>
      row.app ? (
        <Box
          display="flex"
          flexDirection="column"
          style={{ gap: 4 }}
          alignItems="flex-start"
        >
          <StatusChip status={row.app.sync} />
          <StatusChip status={row.app.health} />
        </Box>
      ) : null,
  },
  {
    title: 'Deployed',
    cellStyle: { minWidth: 240 },
    render: row => {
      const app = row.app;
      if (!app?.revision) return null;
      return (
        <Box>
          <Tooltip title={app.revision}>
            <code>{app.revision.slice(0, 7)}</code>
          </Tooltip>{' '}
          {app.commit && (
            <Typography variant="body2" component="span">
              {app.commit.message.split('\n')[0]}
            </Typography>
          )}
          <Typography variant="caption" display="block" color="textSecondary">
            {[
              app.commit?.author.replace(/\s*<.*>$/, ''),
              relativeTime(app.lastSyncedAt),
            ]
              .filter(Boolean)
              .join(' · ')}
          </Typography>
        </Box>
      );
    },
  },
];

/** Where a service runs: one row per environment, live from Argo CD. */
export function EnvironmentsCard() {
  const { entity } = useEntity();
  const api = useApi(deliveryApiRef);
  const ref = getCompoundEntityRef(entity);
  const { value, loading, error, retry } = useAsyncRetry(
    () => api.getEnvironments(ref),
    [api, ref.kind, ref.namespace, ref.name],
  );

  if (loading && !value) {
    return (
      <InfoCard title="Environments">
        <Progress />
      </InfoCard>
    );
  }
  if (error) {
    return (
      <ResponseErrorPanel error={error} title="Could not load environments" />
    );
  }
  const rows = value?.environments ?? [];
  return (
    <Table<ServiceEnvironment>
      title="Environments"
      subtitle="Live from Argo CD"
      options={{ paging: false, search: false, padding: 'dense' }}
      columns={columns}
      data={rows}
      actions={[
        {
          icon: () => <span aria-label="Refresh">⟳</span>,
          tooltip: 'Refresh',
          isFreeAction: true,
          onClick: () => retry(),
        },
      ]}
      emptyContent={
        <Box p={2}>
          <Typography>
            This service is not deployed to any cluster yet. Add the clusters it
            runs on to <code>spec.dependsOn</code>, and its Argo CD apps with
            the <code>argocd/app-selector</code> annotation.
          </Typography>
        </Box>
      }
    />
  );
}
