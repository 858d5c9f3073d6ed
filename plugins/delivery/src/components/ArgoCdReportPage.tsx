import {
  Content,
  ContentHeader,
  Header,
  Page,
  Progress,
  ResponseErrorPanel,
  Table,
} from '@backstage/core-components';
import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { Box, Chip, Grid, Typography } from '@material-ui/core';
import { useMemo } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { ArgoCdReportClient } from '../api/ArgoCdReportClient';

/**
 * Admin page: Argo CD apps no catalog entity claims, and annotations that
 * point at apps that do not exist (from the catalog's Argo CD module).
 */
export function ArgoCdReportPage() {
  const discovery = useApi(discoveryApiRef);
  const fetchApi = useApi(fetchApiRef);
  const client = useMemo(
    () => new ArgoCdReportClient({ discoveryApi: discovery, fetchApi }),
    [discovery, fetchApi],
  );
  const { value, loading, error } = useAsync(
    () => client.getReport(),
    [client],
  );

  return (
    <Page themeId="tool">
      <Header
        title="Argo CD ↔ catalog"
        subtitle="Apps nobody owns, and annotations that point nowhere"
      />
      <Content>
        {loading && <Progress />}
        {error && <ResponseErrorPanel error={error} />}
        {value && (
          <Grid container spacing={3}>
            <Grid item xs={12}>
              <ContentHeader title="Argo CD instances" />
              <Box display="flex" style={{ gap: 8 }} flexWrap="wrap">
                {value.instances.map(i => (
                  <Chip
                    key={i.instance}
                    label={`${i.instance}: ${
                      i.ok ? `${i.apps} apps` : i.error ?? 'unavailable'
                    }`}
                    style={{
                      background: i.ok ? '#e3f4e8' : '#fde8e8',
                      color: i.ok ? '#1b6b34' : '#a02020',
                      fontWeight: 600,
                    }}
                  />
                ))}
              </Box>
            </Grid>
            {value.contestedApps.length > 0 && (
              <Grid item xs={12}>
                <Table
                  title={`Apps more than one entity claims (${value.contestedApps.length}): nobody gets them`}
                  options={{ paging: false, search: false, padding: 'dense' }}
                  columns={[
                    { title: 'Instance', field: 'instance' },
                    { title: 'App', field: 'name' },
                    {
                      title: 'Claimed by',
                      render: row => (
                        <Box display="flex" style={{ gap: 12 }} flexWrap="wrap">
                          {row.claimedBy.map(ref => (
                            <EntityRefLink key={ref} entityRef={ref} />
                          ))}
                        </Box>
                      ),
                    },
                  ]}
                  data={value.contestedApps}
                />
              </Grid>
            )}
            <Grid item xs={12} md={6}>
              <Table
                title={`Apps no entity claims (${value.unclaimedApps.length})`}
                options={{ paging: false, search: false, padding: 'dense' }}
                columns={[
                  { title: 'Instance', field: 'instance' },
                  { title: 'App', field: 'name' },
                  { title: 'Cluster', field: 'cluster' },
                  { title: 'Project', field: 'project' },
                ]}
                data={value.unclaimedApps}
                emptyContent={
                  <Box p={2}>
                    <Typography>
                      Every Argo CD app belongs to a catalog entity.
                    </Typography>
                  </Box>
                }
              />
            </Grid>
            <Grid item xs={12} md={6}>
              <Table
                title={`Annotations that match no app (${value.missingApps.length})`}
                options={{ paging: false, search: false, padding: 'dense' }}
                columns={[
                  {
                    title: 'Entity',
                    render: row => <EntityRefLink entityRef={row.entityRef} />,
                  },
                  {
                    title: 'Annotation',
                    render: row => (
                      <code>{`${row.annotation}: ${row.value}`}</code>
                    ),
                  },
                  { title: 'Searched', render: row => row.searched.join(', ') },
                ]}
                data={value.missingApps}
                emptyContent={
                  <Box p={2}>
                    <Typography>Every annotation finds its apps.</Typography>
                  </Box>
                }
              />
            </Grid>
          </Grid>
        )}
      </Content>
    </Page>
  );
}
