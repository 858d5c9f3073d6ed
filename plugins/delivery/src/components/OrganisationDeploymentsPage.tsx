import {
  Content,
  ContentHeader,
  Header,
  InfoCard,
  Page,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { catalogApiRef, EntityRefLink } from '@backstage/plugin-catalog-react';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  Box,
  Button,
  Grid,
  MenuItem,
  Paper,
  TextField,
  Typography,
} from '@material-ui/core';
import { Deployment } from '@portolan/plugin-delivery-common';
import { useCallback, useEffect, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { deliveryApiRef } from '../api/DeliveryApi';
import {
  DeploymentChange,
  RelativeTimestamp,
  ResultChip,
} from './DeploymentCells';
import { DeploymentLanes } from './DeploymentLanes';
import { DoraTiles } from './DoraTiles';
import { relativeTime } from './relativeTime';

const columns: TableColumn<Deployment>[] = [
  {
    title: 'Service',
    render: d => <EntityRefLink entityRef={d.entityRef} hideIcon />,
  },
  { title: 'Environment', field: 'environment' },
  { title: 'Result', render: d => <ResultChip result={d.result} /> },
  {
    title: 'Change',
    cellStyle: { minWidth: 260 },
    render: d => <DeploymentChange d={d} />,
  },
  { title: 'Started', render: d => <RelativeTimestamp at={d.startedAt} /> },
];

function Figure({
  label,
  value,
  testId,
}: {
  label: string;
  value?: number;
  testId: string;
}) {
  return (
    <Paper variant="outlined" style={{ padding: 16 }} data-testid={testId}>
      <Typography variant="overline" color="textSecondary">
        {label}
      </Typography>
      <Typography variant="h4">{value ?? '—'}</Typography>
    </Paper>
  );
}

/** A line under the figures: how fresh the Argo CD history is, or why the figures are missing. */
function ingestionNote(summary: {
  error?: Error;
  value?: { lastIngestedAt?: string };
}): string {
  if (summary.error) {
    return `Could not count deploys: ${summary.error.message}`;
  }
  if (summary.value?.lastIngestedAt) {
    return `Argo CD history ingested ${relativeTime(
      summary.value.lastIngestedAt,
    )}.`;
  }
  return 'Waiting for the first ingestion from Argo CD.';
}

/** The deploys loaded so far, by environment and as a table, with a button for older ones. */
function DeploysListing({
  error,
  loading,
  items,
  cursor,
  onOlder,
}: {
  error?: Error;
  loading: boolean;
  items: Deployment[];
  cursor?: string;
  onOlder(from: string): void;
}) {
  if (error) {
    return (
      <ResponseErrorPanel error={error} title="Could not load deployments" />
    );
  }
  if (loading && items.length === 0) {
    return <Progress />;
  }
  return (
    <>
      <InfoCard
        title="By environment"
        subheader={`The latest ${items.length} deploys`}
      >
        <DeploymentLanes deployments={items} />
      </InfoCard>
      <Box mt={3}>
        <Table<Deployment>
          title="Latest deploys"
          options={{ paging: false, search: false, padding: 'dense' }}
          columns={columns}
          data={items}
          emptyContent={
            <Box p={2}>
              <Typography>No deploys match these filters.</Typography>
            </Box>
          }
        />
      </Box>
      {cursor && (
        <Box mt={1} display="flex" justifyContent="center">
          <Button
            variant="outlined"
            disabled={loading}
            onClick={() => onOlder(cursor)}
          >
            {loading ? 'Loading…' : 'Older deploys'}
          </Button>
        </Box>
      )}
    </>
  );
}

/** Every deploy in the organisation: today, this week, by team and environment. */
export function OrganisationDeploymentsPage() {
  const api = useApi(deliveryApiRef);
  const catalogApi = useApi(catalogApiRef);
  const [owner, setOwner] = useState('');
  const [environment, setEnvironment] = useState('');
  const [items, setItems] = useState<Deployment[]>([]);
  const [cursor, setCursor] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<Error>();

  const teams = useAsync(async () => {
    const { items: groups } = await catalogApi.getEntities({
      filter: { kind: 'group' },
      fields: [
        'kind',
        'metadata.namespace',
        'metadata.name',
        'metadata.title',
        'spec.profile.displayName',
      ],
    });
    return groups
      .map(g => ({
        ref: stringifyEntityRef(g),
        title:
          (g.spec as any)?.profile?.displayName ??
          g.metadata.title ??
          g.metadata.name,
      }))
      .sort((a, b) => a.title.localeCompare(b.title));
  }, [catalogApi]);

  const summary = useAsync(
    () =>
      api.getDeploymentSummary({
        owner: owner || undefined,
        environment: environment || undefined,
      }),
    [api, owner, environment],
  );

  const load = useCallback(
    async (from?: string) => {
      setLoading(true);
      try {
        const page = await api.getOrganisationDeployments({
          owner: owner || undefined,
          environment: environment || undefined,
          cursor: from,
          limit: 50,
        });
        setItems(prev => (from ? [...prev, ...page.items] : page.items));
        setCursor(page.nextCursor);
        setError(undefined);
      } catch (e) {
        setError(e as Error);
      } finally {
        setLoading(false);
      }
    },
    [api, owner, environment],
  );
  useEffect(() => {
    load();
  }, [load]);

  const team = owner ? parseEntityRef(owner) : undefined;
  return (
    <Page themeId="tool">
      <Header
        title="Deployments"
        subtitle="Every deploy of every service, from Argo CD history"
      />
      <Content>
        <ContentHeader
          title={team ? `Team ${team.name}` : 'Whole organisation'}
        >
          <Box display="flex" style={{ gap: 12 }}>
            <TextField
              select
              size="small"
              variant="outlined"
              label="Team"
              value={owner}
              onChange={e => setOwner(e.target.value)}
              style={{ minWidth: 200 }}
              SelectProps={{ inputProps: { 'aria-label': 'Team' } }}
            >
              <MenuItem value="">All teams</MenuItem>
              {(teams.value ?? []).map(t => (
                <MenuItem key={t.ref} value={t.ref}>
                  {t.title}
                </MenuItem>
              ))}
            </TextField>
            <TextField
              select
              size="small"
              variant="outlined"
              label="Environment"
              value={environment}
              onChange={e => setEnvironment(e.target.value)}
              style={{ minWidth: 140 }}
              SelectProps={{ inputProps: { 'aria-label': 'Environment' } }}
            >
              <MenuItem value="">All</MenuItem>
              {['dev', 'staging', 'prod'].map(env => (
                <MenuItem key={env} value={env}>
                  {env}
                </MenuItem>
              ))}
            </TextField>
          </Box>
        </ContentHeader>
        <Grid container spacing={3}>
          <Grid item xs={6} md={3}>
            <Figure
              label="Deploys today"
              value={summary.value?.today}
              testId="deploys-today"
            />
          </Grid>
          <Grid item xs={6} md={3}>
            <Figure
              label="Deploys this week"
              value={summary.value?.thisWeek}
              testId="deploys-this-week"
            />
          </Grid>
          <Grid item xs={6} md={3}>
            <Figure
              label="Last 7 days"
              value={summary.value?.lastSevenDays}
              testId="deploys-last-seven-days"
            />
          </Grid>
          <Grid item xs={6} md={3}>
            <Typography
              variant="body2"
              color="textSecondary"
              style={{ paddingTop: 16 }}
            >
              {ingestionNote(summary)}
            </Typography>
          </Grid>
          {team && (
            <Grid item xs={12}>
              <DoraTiles
                subject={{
                  kind: 'team',
                  namespace: team.namespace,
                  name: team.name,
                }}
                environment={environment || 'prod'}
              />
            </Grid>
          )}
          <Grid item xs={12}>
            <DeploysListing
              error={error}
              loading={loading}
              items={items}
              cursor={cursor}
              onOlder={load}
            />
          </Grid>
        </Grid>
      </Content>
    </Page>
  );
}
