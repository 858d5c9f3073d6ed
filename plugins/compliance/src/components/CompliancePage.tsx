import {
  Content,
  ContentHeader,
  Header,
  Page,
  Progress,
  ResponseErrorPanel,
  Table,
} from '@backstage/core-components';
import { identityApiRef, useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  Box,
  Button,
  Card,
  CardContent,
  Grid,
  MenuItem,
  TextField,
  Typography,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import {
  CHECK_GROUPS,
  complianceWaiverApprovePermission,
} from '@portolan/plugin-compliance-common';
import { useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { Link } from 'react-router-dom';
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { SummaryFilter, complianceApiRef } from '../api/ComplianceApi';
import { LEVEL_COLOR, day, errorMessage, refName, score } from './format';

const DAY = 86_400_000;

function Kpi(props: { label: string; value: string; testId?: string }) {
  return (
    <Card variant="outlined">
      <CardContent>
        <Typography variant="caption" color="textSecondary">
          {props.label}
        </Typography>
        <Typography variant="h5" data-testid={props.testId}>
          {props.value}
        </Typography>
      </CardContent>
    </Card>
  );
}

const entityLink = (ref: string) => {
  const [kind, rest] = ref.split(':');
  const [ns, name] = rest.split('/');
  return `/catalog/${ns}/${kind}/${name}/compliance`;
};

function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Waivers awaiting a decision; approve / reject for the approver groups' members. */
function PendingWaivers(props: { onDecided: () => void }) {
  const api = useApi(complianceApiRef);
  const identityApi = useApi(identityApiRef);
  const pending = useAsyncRetry(() => api.listWaivers('pending'), []);
  const { allowed: permitted } = usePermission({
    permission: complianceWaiverApprovePermission,
  });
  // The backend decides; this only spares non-approvers buttons that would fail.
  const approverGroups = useAsyncRetry(async () => {
    const [{ waiverApproverGroups }, identity] = await Promise.all([
      api.getChecks(),
      identityApi.getBackstageIdentity(),
    ]);
    return {
      groups: waiverApproverGroups,
      member: identity.ownershipEntityRefs.some(ref =>
        waiverApproverGroups.includes(ref),
      ),
    };
  }, []);
  const allowed = permitted && Boolean(approverGroups.value?.member);
  const [error, setError] = useState<string>();
  const decide = async (id: string, approve: boolean) => {
    setError(undefined);
    try {
      await api.decideWaiver(id, approve);
      pending.retry();
      props.onDecided();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  if (pending.error) return <ResponseErrorPanel error={pending.error} />;
  return (
    <Box mt={3} data-testid="pending-waivers">
      {error && <Alert severity="error">{error}</Alert>}
      <Table
        title={`Waivers awaiting approval (${pending.value?.length ?? 0})`}
        isLoading={pending.loading}
        options={{ paging: false, search: false, padding: 'dense' }}
        data={pending.value ?? []}
        columns={[
          {
            title: 'Service',
            render: w => (
              <Link to={entityLink(w.entityRef)}>{refName(w.entityRef)}</Link>
            ),
          },
          { title: 'Check', field: 'checkId' },
          { title: 'Reason', field: 'reason' },
          { title: 'Until', render: w => day(w.expiresAt) },
          { title: 'Requested by', render: w => refName(w.requestedBy) },
          {
            title: 'Decision',
            render: w =>
              allowed ? (
                <Box display="flex" style={{ gap: 8 }}>
                  <Button
                    size="small"
                    color="primary"
                    variant="contained"
                    onClick={() => decide(w.id, true)}
                    data-testid={`approve-${w.id}`}
                  >
                    Approve
                  </Button>
                  <Button
                    size="small"
                    variant="outlined"
                    onClick={() => decide(w.id, false)}
                  >
                    Reject
                  </Button>
                </Box>
              ) : (
                <Typography variant="caption" color="textSecondary">
                  approvers only (
                  {approverGroups.value?.groups.map(refName).join(', ') ||
                    'none configured'}
                  )
                </Typography>
              ),
          },
        ]}
      />
    </Box>
  );
}

/** The organisation's and each team's compliance: KPIs, weekly trend, worst offenders, checks, waivers, evidence. */
export function CompliancePage() {
  const api = useApi(complianceApiRef);
  const [filter, setFilter] = useState<SummaryFilter>(() => {
    const team = new URLSearchParams(window.location.search).get('team');
    return team ? { team } : {};
  });
  const org = useAsyncRetry(() => api.getSummary({}), []);
  const summary = useAsyncRetry(
    () => api.getSummary(filter),
    [JSON.stringify(filter)],
  );
  const [exportError, setExportError] = useState<string>();
  const set =
    (key: keyof SummaryFilter) => (e: React.ChangeEvent<{ value: unknown }>) =>
      setFilter(f => ({
        ...f,
        [key]: (e.target.value as string) || undefined,
      }));
  const exportEvidence = async (format: 'csv' | 'json') => {
    setExportError(undefined);
    const to = new Date();
    const from = new Date(to.getTime() - 30 * DAY);
    try {
      const text = await api.exportEvidence(
        from.toISOString(),
        to.toISOString(),
        format,
      );
      download(
        `compliance-evidence-${day(from.toISOString())}-${day(
          to.toISOString(),
        )}.${format}`,
        text,
        format === 'csv' ? 'text/csv' : 'application/json',
      );
    } catch (e) {
      setExportError(errorMessage(e));
    }
  };
  const s = summary.value;
  return (
    <Page themeId="tool">
      <Header
        title="Compliance"
        subtitle="Checks per service, scores and trends per team, waivers and evidence for auditors"
      />
      <Content>
        <ContentHeader
          title={filter.team ? refName(filter.team) : 'Organisation'}
        >
          <Button
            variant="outlined"
            onClick={() => exportEvidence('csv')}
            style={{ marginRight: 8 }}
          >
            Evidence CSV (30 days)
          </Button>
          <Button variant="outlined" onClick={() => exportEvidence('json')}>
            Evidence JSON (30 days)
          </Button>
        </ContentHeader>
        {exportError && <Alert severity="error">{exportError}</Alert>}
        <Box display="flex" style={{ gap: 16 }} mb={2} flexWrap="wrap">
          <TextField
            select
            label="Team"
            value={filter.team ?? ''}
            onChange={set('team')}
            style={{ minWidth: 200 }}
            inputProps={{ 'data-testid': 'team-filter' }}
          >
            <MenuItem value="">All teams</MenuItem>
            {(org.value?.teams ?? []).map(t => (
              <MenuItem key={t.team} value={t.team}>
                {refName(t.team)}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            label="System"
            placeholder="system:default/payments"
            value={filter.system ?? ''}
            onChange={set('system')}
            style={{ minWidth: 220 }}
          />
          <TextField
            select
            label="Lifecycle"
            value={filter.lifecycle ?? ''}
            onChange={set('lifecycle')}
            style={{ minWidth: 160 }}
          >
            <MenuItem value="">Any</MenuItem>
            {['production', 'experimental', 'deprecated'].map(l => (
              <MenuItem key={l} value={l}>
                {l}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            select
            label="Check group"
            value={filter.group ?? ''}
            onChange={set('group')}
            style={{ minWidth: 160 }}
          >
            <MenuItem value="">All checks</MenuItem>
            {CHECK_GROUPS.map(g => (
              <MenuItem key={g} value={g}>
                {g}
              </MenuItem>
            ))}
          </TextField>
        </Box>
        {summary.loading && !s && <Progress />}
        {summary.error && <ResponseErrorPanel error={summary.error} />}
        {s && (
          <>
            <Grid container spacing={2}>
              <Grid item xs={6} md={2}>
                <Kpi
                  label="Services"
                  value={String(s.current.services)}
                  testId="kpi-services"
                />
              </Grid>
              <Grid item xs={6} md={2}>
                <Kpi
                  label="Average score"
                  value={score(s.current.averageScore)}
                  testId="kpi-score"
                />
              </Grid>
              <Grid item xs={6} md={2}>
                <Kpi
                  label="Failing checks"
                  value={String(s.current.counts.fail)}
                  testId="kpi-fail"
                />
              </Grid>
              <Grid item xs={6} md={2}>
                <Kpi
                  label="Waived checks"
                  value={String(s.current.counts.waived)}
                  testId="kpi-waived"
                />
              </Grid>
              <Grid item xs={6} md={2}>
                <Kpi
                  label="Unknown (source down)"
                  value={String(s.current.counts.unknown)}
                  testId="kpi-unknown"
                />
              </Grid>
              <Grid item xs={6} md={2}>
                <Card variant="outlined">
                  <CardContent>
                    <Typography variant="caption" color="textSecondary">
                      Services per level
                    </Typography>
                    {s.levelNames.map(l => (
                      <Typography
                        key={l}
                        variant="body2"
                        style={{ color: LEVEL_COLOR[l] }}
                      >
                        {l}: {s.current.levels[l] ?? 0}
                      </Typography>
                    ))}
                  </CardContent>
                </Card>
              </Grid>
            </Grid>
            <Box height={220} mt={2}>
              <Typography variant="subtitle2">
                Average score per week ({s.trend.length} weeks stored)
              </Typography>
              <ResponsiveContainer width="100%" height="90%">
                <LineChart data={s.trend}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="week" fontSize={11} />
                  <YAxis domain={[0, 100]} fontSize={11} />
                  <Tooltip />
                  <Line
                    type="monotone"
                    dataKey="averageScore"
                    name="average score"
                    stroke="#1565c0"
                    isAnimationActive={false}
                  />
                </LineChart>
              </ResponsiveContainer>
            </Box>
            <Grid container spacing={2}>
              <Grid item xs={12} md={6}>
                <Table
                  title="Worst offenders"
                  options={{ paging: false, search: false, padding: 'dense' }}
                  data={s.worstOffenders}
                  columns={[
                    {
                      title: 'Service',
                      render: w => (
                        <Link to={entityLink(w.entityRef)}>
                          {w.title ?? refName(w.entityRef)}
                        </Link>
                      ),
                    },
                    {
                      title: 'Team',
                      render: w => (w.owner ? refName(w.owner) : '–'),
                    },
                    { title: 'Score', render: w => score(w.score) },
                    { title: 'Level', field: 'level' },
                    { title: 'Failing', render: w => w.failing.join(', ') },
                  ]}
                />
              </Grid>
              <Grid item xs={12} md={6}>
                <Table
                  title="Checks by failing services"
                  options={{ paging: false, search: false, padding: 'dense' }}
                  data={s.checks}
                  columns={[
                    {
                      title: 'Check',
                      render: c => (
                        <span data-testid={`kpi-check-${c.checkId}`}>
                          {c.title}
                        </span>
                      ),
                    },
                    { title: 'Group', field: 'group' },
                    { title: 'Passing', render: c => score(c.passShare) },
                    { title: 'Fail', render: c => c.counts.fail },
                    {
                      title: 'Waived',
                      render: c => (
                        <span data-testid={`kpi-waived-${c.checkId}`}>
                          {c.counts.waived}
                        </span>
                      ),
                    },
                    { title: 'Unknown', render: c => c.counts.unknown },
                  ]}
                />
              </Grid>
            </Grid>
            {s.teams && (
              <Box mt={2}>
                <Table
                  title="Teams"
                  options={{ paging: false, search: false, padding: 'dense' }}
                  data={s.teams}
                  columns={[
                    { title: 'Team', render: t => refName(t.team) },
                    { title: 'Services', field: 'services' },
                    {
                      title: 'Average score',
                      render: t => score(t.averageScore),
                    },
                    {
                      title: 'Levels',
                      render: t =>
                        Object.entries(t.levels)
                          .map(([l, n]) => `${l} ${n}`)
                          .join(' · '),
                    },
                  ]}
                />
              </Box>
            )}
          </>
        )}
        <PendingWaivers onDecided={() => summary.retry()} />
      </Content>
    </Page>
  );
}
