import {
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  Accordion,
  AccordionDetails,
  AccordionSummary,
  Box,
  Button,
  Chip,
  Typography,
} from '@material-ui/core';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import {
  CheckResultView,
  complianceWaiverRequestPermission,
} from '@portolan/plugin-compliance-common';
import { useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import {
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { complianceApiRef } from '../api/ComplianceApi';
import { LEVEL_COLOR, STATUS_COLOR, day, score } from './format';
import { WaiverDialog } from './WaiverDialog';

function StatusChip({ check }: { check: CheckResultView }) {
  return (
    <Chip
      size="small"
      label={check.status}
      data-testid={`status-${check.checkId}`}
      style={{
        background: STATUS_COLOR[check.status],
        color: '#fff',
        minWidth: 64,
      }}
    />
  );
}

/** A service's compliance: level, score, each check with why and how to fix, waivers, 52-week score. */
export function ComplianceCard(props: { expanded?: boolean }) {
  const { entity } = useEntity();
  const api = useApi(complianceApiRef);
  const ref = getCompoundEntityRef(entity);
  const state = useAsyncRetry(
    () => Promise.all([api.getService(ref), api.getChecks()]),
    [stringifyEntityRef(entity)],
  );
  const { allowed: canRequest } = usePermission({
    permission: complianceWaiverRequestPermission,
    resourceRef: stringifyEntityRef(entity),
  });
  const [waiving, setWaiving] = useState<CheckResultView>();

  if (state.loading && !state.value) return <Progress />;
  if (state.error)
    return (
      <ResponseErrorPanel
        error={state.error}
        title="Compliance could not be loaded"
      />
    );
  const [view, meta] = state.value!;
  const today = new Date().toISOString().slice(0, 10);
  const checks = props.expanded
    ? view.checks
    : view.checks.filter(c => c.status !== 'pass');

  return (
    <InfoCard
      title="Compliance"
      subheader={
        view.evaluatedAt
          ? `Evaluated ${view.evaluatedAt.replace('T', ' ').slice(0, 16)} UTC`
          : 'Not evaluated yet'
      }
    >
      <Box
        display="flex"
        alignItems="center"
        style={{ gap: 16 }}
        mb={2}
        flexWrap="wrap"
      >
        <Chip
          label={view.level}
          data-testid="compliance-level"
          style={{
            background: LEVEL_COLOR[view.level] ?? '#607d8b',
            color: '#fff',
            fontWeight: 600,
          }}
        />
        <Typography variant="h5" data-testid="compliance-score">
          {score(view.score)}
        </Typography>
        <Typography
          variant="body2"
          color="textSecondary"
          data-testid="compliance-counts"
        >
          {view.counts.pass} pass · {view.counts.fail} fail ·{' '}
          {view.counts.waived} waived · {view.counts.unknown} unknown
        </Typography>
      </Box>
      {view.history.length > 1 && (
        <Box
          height={props.expanded ? 160 : 80}
          mb={2}
          aria-label="Score over the last 52 weeks"
        >
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={view.history}>
              <XAxis dataKey="week" hide={!props.expanded} fontSize={11} />
              <YAxis domain={[0, 100]} hide={!props.expanded} fontSize={11} />
              <Tooltip formatter={(v: any) => `${v} %`} />
              <Line
                type="monotone"
                dataKey="score"
                stroke="#1565c0"
                dot={false}
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        </Box>
      )}
      {checks.length === 0 && <Typography>Every check passes.</Typography>}
      {checks.map(check => (
        <Accordion
          key={check.checkId}
          data-testid={`check-${check.checkId}`}
          defaultExpanded={check.status === 'fail'}
        >
          <AccordionSummary expandIcon={<ExpandMoreIcon />}>
            <Box
              display="flex"
              alignItems="center"
              flexWrap="wrap"
              style={{ gap: 12 }}
            >
              <StatusChip check={check} />
              <Typography>
                <b>{check.title}</b> — {check.reason}
              </Typography>
              {check.waiver && (
                <Typography
                  variant="body2"
                  data-testid={`waived-${check.checkId}`}
                  style={{ color: STATUS_COLOR.waived }}
                >
                  Waived until {day(check.waiver.expiresAt)} (approved by{' '}
                  {check.waiver.decidedBy}): {check.waiver.reason}
                </Typography>
              )}
            </Box>
          </AccordionSummary>
          <AccordionDetails>
            <Box width="100%">
              {check.pendingWaiver && (
                <Typography
                  data-testid={`pending-${check.checkId}`}
                  color="textSecondary"
                >
                  Waiver requested by {check.pendingWaiver.requestedBy} until{' '}
                  {day(check.pendingWaiver.expiresAt)}, awaiting approval
                </Typography>
              )}
              <Typography variant="subtitle2">Evidence</Typography>
              {check.evidence.length === 0 ? (
                <Typography variant="body2" color="textSecondary">
                  No facts recorded.
                </Typography>
              ) : (
                <ul style={{ margin: 0 }}>
                  {check.evidence.map((e, i) => (
                    <li key={i}>
                      <Typography variant="body2">
                        <code>{e.source}</code> {e.fact}
                      </Typography>
                    </li>
                  ))}
                </ul>
              )}
              {check.status !== 'pass' && (
                <Typography variant="body2" style={{ marginTop: 8 }}>
                  <b>How to fix:</b> {check.fix}
                </Typography>
              )}
              <Typography variant="caption" color="textSecondary">
                {check.controls.join(', ')} · {check.status} since{' '}
                {day(check.since)}
              </Typography>
              {canRequest &&
                check.status === 'fail' &&
                !check.pendingWaiver && (
                  <Box mt={1}>
                    <Button
                      size="small"
                      variant="outlined"
                      onClick={() => setWaiving(check)}
                    >
                      Request waiver
                    </Button>
                  </Box>
                )}
            </Box>
          </AccordionDetails>
        </Accordion>
      ))}
      {!props.expanded && view.counts.pass > 0 && (
        <Typography variant="caption" color="textSecondary">
          {view.counts.pass} passing checks are on the Compliance tab.
        </Typography>
      )}
      <WaiverDialog
        open={Boolean(waiving)}
        checkTitle={waiving?.title ?? ''}
        maxDays={meta.waiverMaxDays}
        today={today}
        onClose={() => setWaiving(undefined)}
        onSubmit={async (reason, expiresAt) => {
          await api.requestWaiver(ref, {
            checkId: waiving!.checkId,
            reason,
            expiresAt,
          });
          setWaiving(undefined);
          state.retry();
        }}
      />
    </InfoCard>
  );
}
