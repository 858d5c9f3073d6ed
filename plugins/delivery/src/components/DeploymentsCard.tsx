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
import { Box, Button, Chip, MenuItem, TextField, Tooltip, Typography } from '@material-ui/core';
import { Deployment, DeploymentResult } from '@portolan/plugin-delivery-common';
import { useCallback, useEffect, useState } from 'react';
import { deliveryApiRef } from '../api/DeliveryApi';
import { relativeTime } from './relativeTime';

const RESULT_COLORS: Record<DeploymentResult, { bg: string; fg: string }> = {
  succeeded: { bg: '#e3f4e8', fg: '#1b6b34' },
  'in-progress': { bg: '#e5effb', fg: '#1f4f8f' },
  failed: { bg: '#fde8e8', fg: '#a02020' },
  'rolled-back': { bg: '#fff3dc', fg: '#8a5300' },
  'canary-aborted': { bg: '#fde8e8', fg: '#a02020' },
};

function duration(d: Deployment): string {
  if (!d.finishedAt) return '';
  const s = Math.round((Date.parse(d.finishedAt) - Date.parse(d.startedAt)) / 1000);
  return s < 90 ? `${s} s` : `${Math.round(s / 60)} min`;
}

const columns: TableColumn<Deployment>[] = [
  { title: 'Environment', field: 'environment' },
  {
    title: 'Result',
    render: d => (
      <Chip
        size="small"
        label={d.result}
        style={{ background: RESULT_COLORS[d.result].bg, color: RESULT_COLORS[d.result].fg, fontWeight: 600 }}
      />
    ),
  },
  {
    title: 'Change',
    cellStyle: { minWidth: 260 },
    render: d => (
      <Box>
        <Tooltip title={d.revision}>
          <code>{d.revision.slice(0, 7)}</code>
        </Tooltip>{' '}
        <Typography variant="body2" component="span">
          {d.commit?.message?.split('\n')[0] ?? ''}
        </Typography>
        <Typography variant="caption" display="block" color="textSecondary">
          {[d.commit?.author?.replace(/\s*<.*>$/, ''), d.initiator && `synced by ${d.initiator}`].filter(Boolean).join(' · ')}
        </Typography>
      </Box>
    ),
  },
  {
    title: 'Started',
    render: d => (
      <Tooltip title={d.startedAt}>
        <span>{relativeTime(d.startedAt)}</span>
      </Tooltip>
    ),
  },
  { title: 'Took', render: d => duration(d) },
];

/** Every deploy of the service, newest first, kept beyond Argo CD's history. */
export function DeploymentsCard() {
  const { entity } = useEntity();
  const api = useApi(deliveryApiRef);
  const ref = getCompoundEntityRef(entity);
  const [environment, setEnvironment] = useState('');
  const [items, setItems] = useState<Deployment[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const [lastIngestedAt, setLastIngestedAt] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<Error | undefined>();

  const load = useCallback(
    async (from?: string) => {
      setLoading(true);
      try {
        const page = await api.getDeployments(ref, { environment, cursor: from, limit: 20 });
        setItems(prev => (from ? [...prev, ...page.items] : page.items));
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

  if (error) return <ResponseErrorPanel error={error} title="Could not load deployments" />;
  if (loading && items.length === 0) {
    return (
      <InfoCard title="Deployments">
        <Progress />
      </InfoCard>
    );
  }
  return (
    <Box>
      <Table<Deployment>
        title="Deployments"
        subtitle={lastIngestedAt ? `From Argo CD history · updated ${relativeTime(lastIngestedAt)}` : 'Waiting for the first ingestion from Argo CD'}
        options={{ paging: false, search: false, padding: 'dense', toolbar: true }}
        columns={columns}
        data={items}
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
      {cursor && (
        <Box mt={1} display="flex" justifyContent="center">
          <Button variant="outlined" disabled={loading} onClick={() => load(cursor)}>
            {loading ? 'Loading…' : 'Older deployments'}
          </Button>
        </Box>
      )}
    </Box>
  );
}
