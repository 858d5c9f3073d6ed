import {
  Link,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import { getCompoundEntityRef } from '@backstage/catalog-model';
import { Box, Card, CardContent, Grid, Typography } from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { ClusterService } from '@portolan/plugin-delivery-common';
import useAsync from 'react-use/esm/useAsync';
import { deliveryApiRef } from '../api/DeliveryApi';
import { relativeTime } from './relativeTime';
import { StatusChip } from './StatusChip';

const columns: TableColumn<ClusterService>[] = [
  {
    title: 'Service',
    render: row =>
      row.entityRef ? (
        <EntityRefLink entityRef={row.entityRef} />
      ) : (
        <Typography variant="body2" color="textSecondary">
          not in the catalog
        </Typography>
      ),
  },
  { title: 'Argo CD app', render: row => <Link to={row.url}>{row.app}</Link> },
  { title: 'Namespace', field: 'namespace' },
  { title: 'Sync', render: row => <StatusChip status={row.sync} /> },
  { title: 'Health', render: row => <StatusChip status={row.health} /> },
  {
    title: 'Revision',
    render: row =>
      row.revision ? <code>{row.revision.slice(0, 7)}</code> : null,
  },
  { title: 'Last sync', render: row => relativeTime(row.lastSyncedAt) },
];

function Tile({
  label,
  value,
  tone,
}: {
  label: string;
  value: number;
  tone: string;
}) {
  return (
    <Card variant="outlined" style={{ borderLeft: `4px solid ${tone}` }}>
      <CardContent style={{ padding: 12 }}>
        <Typography variant="h4" component="div">
          {value}
        </Typography>
        <Typography variant="caption" color="textSecondary">
          {label}
        </Typography>
      </CardContent>
    </Card>
  );
}

/** The services an Argo CD instance deploys to this cluster, with a summary. */
export function ClusterServicesCard() {
  const { entity } = useEntity();
  const api = useApi(deliveryApiRef);
  const ref = getCompoundEntityRef(entity);
  const { value, loading, error } = useAsync(
    () => api.getClusterServices(ref),
    [api, ref.namespace, ref.name],
  );
  if (loading) return <Progress />;
  if (error) {
    return (
      <ResponseErrorPanel
        error={error}
        title="Could not load the cluster's services"
      />
    );
  }
  if (!value) return null;
  const { summary } = value;
  return (
    <Box>
      {value.error && (
        <Box mb={2}>
          <Alert severity="error" role="alert">
            {value.error.system}: {value.error.message}
          </Alert>
        </Box>
      )}
      <Grid container spacing={2} style={{ marginBottom: 8 }}>
        <Grid item xs={6} md={3}>
          <Tile label="apps" value={summary.total} tone="#5b6b7b" />
        </Grid>
        <Grid item xs={6} md={3}>
          <Tile label="healthy" value={summary.healthy} tone="#1b6b34" />
        </Grid>
        <Grid item xs={6} md={3}>
          <Tile label="degraded" value={summary.degraded} tone="#a02020" />
        </Grid>
        <Grid item xs={6} md={3}>
          <Tile label="out of sync" value={summary.outOfSync} tone="#8a5300" />
        </Grid>
      </Grid>
      <Table<ClusterService>
        title={`Services on ${value.cluster}`}
        subtitle={
          value.instance
            ? `Deployed by Argo CD instance ${value.instance}${
                value.environment ? ` · ${value.environment}` : ''
              }`
            : undefined
        }
        options={{ paging: false, padding: 'dense' }}
        columns={columns}
        data={value.services}
        emptyContent={
          <Box p={2}>
            <Typography>
              No Argo CD application deploys to this cluster.
            </Typography>
          </Box>
        }
      />
    </Box>
  );
}
