import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { getCompoundEntityRef } from '@backstage/catalog-model';
import {
  Box,
  Button,
  Chip,
  MenuItem,
  TextField,
  Typography,
} from '@material-ui/core';
import {
  Deployment,
  ROLLOUT_ACTION_LABELS,
  RolloutActionRecord,
} from '@portolan/plugin-delivery-common';
import { ToggleButton, ToggleButtonGroup } from '@material-ui/lab';
import {
  DeploymentChange,
  RelativeTimestamp,
  ResultChip,
} from './DeploymentCells';
import { DeploymentLanes } from './DeploymentLanes';
import { DoraTiles } from './DoraTiles';
import { useCallback, useEffect, useState } from 'react';
import { deliveryApiRef } from '../api/DeliveryApi';
import { relativeTime } from './relativeTime';

function duration(d: Deployment): string {
  if (!d.finishedAt) return '';
  const s = Math.round(
    (Date.parse(d.finishedAt) - Date.parse(d.startedAt)) / 1000,
  );
  return s < 90 ? `${s} s` : `${Math.round(s / 60)} min`;
}

type Row =
  | (Deployment & { kind?: 'deploy' })
  | (RolloutActionRecord & { kind: 'action' });

const isAction = (r: Row): r is RolloutActionRecord & { kind: 'action' } =>
  r.kind === 'action';

function ActionRow({ a }: { a: RolloutActionRecord }) {
  return (
    <Box>
      <Typography variant="body2" component="span">
        Canary {ROLLOUT_ACTION_LABELS[a.action].toLocaleLowerCase('en-US')} by{' '}
        {a.actor.replace(/^user:(default\/)?/, '')}
      </Typography>
      <Typography variant="caption" display="block" color="textSecondary">
        {a.cluster} · {a.namespace}/{a.rollout} · step {a.stepBefore + 1} →{' '}
        {a.stepAfter + 1} · {a.phaseBefore} → {a.phaseAfter}
      </Typography>
    </Box>
  );
}

const columns: TableColumn<Row>[] = [
  {
    title: 'Environment',
    render: r => r.environment ?? (isAction(r) ? r.cluster : ''),
  },
  {
    title: 'Result',
    render: d =>
      isAction(d) ? (
        <Chip
          size="small"
          label="canary action"
          style={{ background: '#f3e5f5', color: '#6a1b9a', fontWeight: 600 }}
        />
      ) : (
        <ResultChip result={d.result} />
      ),
  },
  {
    title: 'Change',
    cellStyle: { minWidth: 260 },
    render: d =>
      isAction(d) ? <ActionRow a={d} /> : <DeploymentChange d={d} argoCdLink />,
  },
  {
    title: 'Started',
    render: d => <RelativeTimestamp at={isAction(d) ? d.at : d.startedAt} />,
  },
  { title: 'Took', render: d => (isAction(d) ? '' : duration(d)) },
];

/** Every deploy of the service, newest first, kept beyond Argo CD's history. */
export function DeploymentsCard() {
  const { entity } = useEntity();
  const api = useApi(deliveryApiRef);
  const ref = getCompoundEntityRef(entity);
  const [environment, setEnvironment] = useState('');
  const [items, setItems] = useState<Deployment[]>([]);
  const [actions, setActions] = useState<RolloutActionRecord[]>([]);
  const [view, setView] = useState<'lanes' | 'list'>('list');
  const [cursor, setCursor] = useState<string | undefined>();
  const [lastIngestedAt, setLastIngestedAt] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<Error | undefined>();

  const load = useCallback(
    async (from?: string) => {
      setLoading(true);
      try {
        const page = await api.getDeployments(ref, {
          environment,
          cursor: from,
          limit: 20,
        });
        setItems(prev => (from ? [...prev, ...page.items] : page.items));
        setActions(prev =>
          from ? [...prev, ...(page.actions ?? [])] : page.actions ?? [],
        );
        setCursor(page.nextCursor);
        setLastIngestedAt(page.lastIngestedAt);
        setError(undefined);
      } catch (e) {
        setError(e as Error);
      } finally {
        setLoading(false);
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, ref.kind, ref.namespace, ref.name, environment],
  );

  useEffect(() => {
    load();
  }, [load]);

  if (error)
    return (
      <ResponseErrorPanel error={error} title="Could not load deployments" />
    );
  if (loading && items.length === 0) {
    return (
      <InfoCard title="Deployments">
        <Progress />
      </InfoCard>
    );
  }
  const rows: Row[] = [
    // The table keys rows by id, and deploys and actions number theirs
    // separately: give each row an id of its own kind.
    ...items.map(d => ({
      ...d,
      id: `deploy-${d.id}`,
      kind: 'deploy' as const,
    })),
    ...actions.map(a => ({
      ...a,
      id: `action-${a.id}`,
      kind: 'action' as const,
    })),
  ].sort(
    (a, b) =>
      Date.parse(isAction(b) ? b.at : b.startedAt) -
      Date.parse(isAction(a) ? a.at : a.startedAt),
  );
  return (
    <Box>
      <Box mb={3}>
        <DoraTiles subject={{ kind: 'entity', ref }} />
      </Box>
      <Box display="flex" justifyContent="flex-end" mb={1}>
        <ToggleButtonGroup
          size="small"
          exclusive
          value={view}
          onChange={(_, v) => v && setView(v)}
          aria-label="Deployments view"
        >
          <ToggleButton value="list" aria-label="List">
            List
          </ToggleButton>
          <ToggleButton value="lanes" aria-label="Lanes">
            Lanes
          </ToggleButton>
        </ToggleButtonGroup>
      </Box>
      {view === 'lanes' && (
        <Box mb={2}>
          <InfoCard
            title="Deployments by environment"
            subheader={`${items.length} deploys loaded${
              cursor ? ' · load older ones below' : ''
            }`}
          >
            <DeploymentLanes deployments={items} actions={actions} />
          </InfoCard>
        </Box>
      )}
      {view === 'list' && (
        <Table<Row>
          title="Deployments"
          subtitle={
            lastIngestedAt
              ? `From Argo CD history · updated ${relativeTime(lastIngestedAt)}`
              : 'Waiting for the first ingestion from Argo CD'
          }
          options={{
            paging: false,
            search: false,
            padding: 'dense',
            toolbar: true,
          }}
          columns={columns}
          data={rows}
          components={{
            Actions: () => (
              <TextField
                select
                size="small"
                label="Environment"
                value={environment}
                onChange={e => setEnvironment(e.target.value)}
                style={{ minWidth: 140 }}
              >
                <MenuItem value="">all</MenuItem>
                {['dev', 'staging', 'prod'].map(env => (
                  <MenuItem key={env} value={env}>
                    {env}
                  </MenuItem>
                ))}
              </TextField>
            ),
          }}
          emptyContent={
            <Box p={2}>
              <Typography>No deployments recorded yet.</Typography>
            </Box>
          }
        />
      )}
      {cursor && (
        <Box mt={1} display="flex" justifyContent="center">
          <Button
            variant="outlined"
            disabled={loading}
            onClick={() => load(cursor)}
          >
            {loading ? 'Loading…' : 'Older deployments'}
          </Button>
        </Box>
      )}
    </Box>
  );
}
