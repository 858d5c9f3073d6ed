import {
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  Grid,
  IconButton,
  LinearProgress,
  Step,
  StepLabel,
  Stepper,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Tooltip,
  Typography,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import RefreshIcon from '@material-ui/icons/Refresh';
import {
  ROLLOUT_ACTIONS,
  ROLLOUT_ACTION_LABELS,
  RolloutAction,
  RolloutView,
} from '@portolan/plugin-delivery-common';
import { ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { RolloutConflictError, deliveryApiRef } from '../api/DeliveryApi';

const ACTION_HELP: Record<RolloutAction, string> = {
  promote: 'Go to the next step',
  'promote-full':
    'Skip the remaining steps and analysis: 100% to the new version',
  pause: 'Stop at the current step until resumed',
  resume: 'Continue the steps',
  abort: 'Send all traffic back to the stable version',
  retry: 'Start the aborted update again from the first step',
};

const DANGEROUS: ReadonlySet<RolloutAction> = new Set([
  'abort',
  'promote-full',
]);

/** A button's tooltip: why the user may not act, what the action does, or why it is not valid now. */
function actionTooltip(
  canControl: boolean,
  action: RolloutAction,
  state: RolloutView['actions'][RolloutAction],
): string | undefined {
  if (!canControl) {
    return 'Only the owning team or an admin may control this rollout';
  }
  return state.allowed ? ACTION_HELP[action] : state.reason;
}

function phaseColor(phase: string): 'primary' | 'secondary' | 'default' {
  if (phase === 'Degraded') return 'secondary';
  if (phase === 'Healthy') return 'primary';
  return 'default';
}

function WeightBar({ rollout }: { rollout: RolloutView }) {
  return (
    <Box>
      <Box display="flex" justifyContent="space-between">
        <Typography variant="caption">
          Canary {rollout.canaryWeight}%
        </Typography>
        <Typography variant="caption">
          Stable {rollout.stableWeight}%
        </Typography>
      </Box>
      <LinearProgress
        variant="determinate"
        value={rollout.canaryWeight}
        aria-label={`Canary weight ${rollout.canaryWeight}%`}
        style={{ height: 10, borderRadius: 5 }}
      />
    </Box>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Box mb={1}>
      <Typography variant="caption" color="textSecondary" display="block">
        {label}
      </Typography>
      <Typography
        variant="body2"
        component="div"
        style={{ wordBreak: 'break-all' }}
      >
        {children}
      </Typography>
    </Box>
  );
}

function RolloutPanel(props: {
  rollout: RolloutView;
  canControl: boolean;
  onAction: (rollout: RolloutView, action: RolloutAction) => void;
  busy: boolean;
}) {
  const { rollout: r, canControl, onAction, busy } = props;
  const where = `${r.cluster} · ${r.namespace}/${r.name}`;
  return (
    <Box mb={3} data-testid={`rollout-${r.cluster}-${r.name}`}>
      <Box
        display="flex"
        alignItems="center"
        flexWrap="wrap"
        style={{ gap: 8 }}
        mb={1}
      >
        <Typography variant="h6">{r.environment ?? r.cluster}</Typography>
        <Typography variant="body2" color="textSecondary">
          {where}
        </Typography>
        <Chip
          size="small"
          label={r.phase}
          color={phaseColor(r.phase)}
          data-testid="rollout-phase"
        />
        {r.aborted && <Chip size="small" label="Aborted" color="secondary" />}
        {r.paused && <Chip size="small" label="Paused by a user" />}
        {r.pauseReasons.map(reason => (
          <Chip key={reason} size="small" variant="outlined" label={reason} />
        ))}
      </Box>
      {r.message && !r.pauseReasons.includes(r.message) && (
        <Typography variant="body2" color="textSecondary" gutterBottom>
          {r.message}
        </Typography>
      )}
      {r.steps.length > 0 && (
        <Stepper
          activeStep={r.updating ? r.currentStepIndex : r.steps.length}
          alternativeLabel
          style={{ padding: '16px 0' }}
          aria-label="Canary steps"
        >
          {r.steps.map(step => (
            <Step
              key={step.index}
              data-testid={
                step.index === r.currentStepIndex ? 'current-step' : undefined
              }
            >
              <StepLabel error={r.aborted && step.index === r.currentStepIndex}>
                {step.description}
              </StepLabel>
            </Step>
          ))}
        </Stepper>
      )}
      <Typography
        variant="caption"
        data-testid="step-counter"
        display="block"
        gutterBottom
      >
        {r.updating
          ? `Step ${Math.min(r.currentStepIndex + 1, r.steps.length)} of ${
              r.steps.length
            }`
          : 'No update in flight'}
      </Typography>
      <Grid container spacing={3}>
        <Grid item xs={12} md={6}>
          <WeightBar rollout={r} />
          <Box mt={2} display="flex" flexWrap="wrap" style={{ gap: 8 }}>
            {ROLLOUT_ACTIONS.map(action => {
              const state = r.actions[action];
              const reason = actionTooltip(canControl, action, state);
              return (
                <Tooltip key={action} title={reason ?? ''}>
                  <span>
                    <Button
                      size="small"
                      variant={action === 'promote' ? 'contained' : 'outlined'}
                      color={DANGEROUS.has(action) ? 'secondary' : 'primary'}
                      disabled={busy || !canControl || !state.allowed}
                      onClick={() => onAction(r, action)}
                    >
                      {ROLLOUT_ACTION_LABELS[action]}
                    </Button>
                  </span>
                </Tooltip>
              );
            })}
          </Box>
        </Grid>
        <Grid item xs={12} sm={6} md={3}>
          <Fact label="Replicas (desired / updated / ready / available)">
            {r.replicas.desired} / {r.replicas.updated} / {r.replicas.ready} /{' '}
            {r.replicas.available}
          </Fact>
          {r.canaryImage && (
            <Fact label={`Canary image (${r.canaryHash})`}>
              {r.canaryImage}
            </Fact>
          )}
          {r.stableImage && (
            <Fact label={`Stable image (${r.stableHash})`}>
              {r.stableImage}
            </Fact>
          )}
          {!r.stableImage && r.stableHash && (
            <Fact label="Stable ReplicaSet hash">{r.stableHash}</Fact>
          )}
        </Grid>
        <Grid item xs={12} sm={6} md={3}>
          <Typography variant="caption" color="textSecondary">
            Analysis runs
          </Typography>
          {r.analysisRuns.length === 0 ? (
            <Typography variant="body2">None for this update yet.</Typography>
          ) : (
            <Table size="small" aria-label="Analysis runs">
              <TableHead>
                <TableRow>
                  <TableCell>Metric</TableCell>
                  <TableCell>Result</TableCell>
                  <TableCell>Value</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {r.analysisRuns.flatMap(run =>
                  (run.metrics.length
                    ? run.metrics
                    : [
                        {
                          name: run.name,
                          phase: run.phase,
                          successful: 0,
                          failed: 0,
                        },
                      ]
                  ).map(m => (
                    <TableRow key={`${run.name}-${m.name}`}>
                      <TableCell>
                        <Tooltip title={run.name}>
                          <span>{m.name}</span>
                        </Tooltip>
                      </TableCell>
                      <TableCell>
                        {m.phase}
                        {m.successful + m.failed > 0 &&
                          ` (${m.successful}✓ ${m.failed}✗)`}
                      </TableCell>
                      <TableCell>
                        {'lastValue' in m ? m.lastValue ?? '—' : '—'}
                      </TableCell>
                    </TableRow>
                  )),
                )}
              </TableBody>
            </Table>
          )}
        </Grid>
      </Grid>
    </Box>
  );
}

/** Argo Rollouts status and controls for a service, every cluster it runs on. */
export function CanaryControlsCard() {
  const { entity } = useEntity();
  const api = useApi(deliveryApiRef);
  const alertApi = useApi(alertApiRef);
  const ref = getCompoundEntityRef(entity);
  const { value, loading, error, retry } = useAsyncRetry(
    () => api.getRollouts(ref),
    [api, ref.kind, ref.namespace, ref.name],
  );
  const [confirm, setConfirm] = useState<{
    rollout: RolloutView;
    action: RolloutAction;
  }>();
  const [busy, setBusy] = useState(false);
  const [conflict, setConflict] = useState<string>();

  // Canaries move on their own (timed pauses, analysis): keep it fresh.
  useEffect(() => {
    const timer = setInterval(() => retry(), 15_000);
    return () => clearInterval(timer);
  }, [retry]);

  // After an action the Argo Rollouts controller reacts on its own time
  // (the patch's answer is the state before it did): look again shortly.
  const followUps = useRef<ReturnType<typeof setTimeout>[]>([]);
  useEffect(() => () => followUps.current.forEach(clearTimeout), []);
  const followController = useCallback(() => {
    followUps.current.forEach(clearTimeout);
    followUps.current = [1_000, 3_000, 6_000].map(ms => setTimeout(retry, ms));
  }, [retry]);

  const run = useCallback(async () => {
    if (!confirm) return;
    const { rollout, action } = confirm;
    setConfirm(undefined);
    setBusy(true);
    setConflict(undefined);
    try {
      const result = await api.controlRollout(ref, {
        cluster: rollout.cluster,
        namespace: rollout.namespace,
        name: rollout.name,
        action,
        resourceVersion: rollout.resourceVersion,
      });
      alertApi.post({
        message: `${ROLLOUT_ACTION_LABELS[action]}: ${rollout.name} in ${
          rollout.cluster
        } — step ${result.record.stepBefore + 1} → ${
          result.record.stepAfter + 1
        }, ${result.record.phaseAfter}`,
        severity: 'success',
        display: 'transient',
      });
    } catch (e) {
      if (e instanceof RolloutConflictError) {
        setConflict(
          `${e.message}. The view now shows the rollout as it is; check it and try again.`,
        );
      } else {
        alertApi.post({
          message: `${ROLLOUT_ACTION_LABELS[action]} failed: ${
            (e as Error).message
          }`,
          severity: 'error',
        });
      }
    } finally {
      setBusy(false);
      retry();
      followController();
    }
  }, [confirm, api, ref, alertApi, retry, followController]);

  const action = (
    <Tooltip title="Refresh">
      <IconButton
        aria-label="Refresh rollouts"
        onClick={() => retry()}
        size="small"
      >
        <RefreshIcon />
      </IconButton>
    </Tooltip>
  );

  let body: ReactNode;
  if (loading && !value) body = <Progress />;
  else if (error && !value) body = <ResponseErrorPanel error={error} />;
  else if (value) {
    body = (
      <>
        {busy && <LinearProgress />}
        {conflict && (
          <Alert
            severity="warning"
            onClose={() => setConflict(undefined)}
            style={{ marginBottom: 16 }}
          >
            {conflict}
          </Alert>
        )}
        {value.errors.map(e => (
          <Alert key={e.cluster} severity="error" style={{ marginBottom: 8 }}>
            {e.cluster}: {e.message}
          </Alert>
        ))}
        {!value.canControl && value.rollouts.length > 0 && (
          <Alert severity="info" style={{ marginBottom: 16 }}>
            You can watch these rollouts; only members of the owning team or an
            admin group can act on them.
          </Alert>
        )}
        {value.rollouts.length === 0 && value.errors.length === 0 ? (
          <EmptyState
            missing="data"
            title="No Argo Rollouts for this service"
            description="This service's workloads are plain Deployments on every cluster it runs on. Canary controls appear here once it deploys with an Argo Rollouts canary."
          />
        ) : (
          value.rollouts.map(r => (
            <RolloutPanel
              key={`${r.cluster}/${r.namespace}/${r.name}`}
              rollout={r}
              canControl={value.canControl}
              onAction={(rollout, a) => setConfirm({ rollout, action: a })}
              busy={busy}
            />
          ))
        )}
      </>
    );
  }

  return (
    <InfoCard
      title="Canary"
      subheader="Argo Rollouts, live from each cluster"
      action={action}
    >
      {body}
      <Dialog
        open={!!confirm}
        onClose={() => setConfirm(undefined)}
        aria-labelledby="rollout-confirm-title"
      >
        {confirm && (
          <>
            <DialogTitle id="rollout-confirm-title">
              {ROLLOUT_ACTION_LABELS[confirm.action]} {entity.metadata.name}?
            </DialogTitle>
            <DialogContent>
              <DialogContentText>
                {ACTION_HELP[confirm.action]}.
              </DialogContentText>
              <DialogContentText component="div">
                <strong>Service</strong> {stringifyEntityRef(entity)}
                <br />
                <strong>Environment</strong>{' '}
                {confirm.rollout.environment ?? 'unknown'}
                <br />
                <strong>Cluster</strong> {confirm.rollout.cluster} (rollout{' '}
                {confirm.rollout.namespace}/{confirm.rollout.name})
                <br />
                <strong>Now</strong> step{' '}
                {Math.min(
                  confirm.rollout.currentStepIndex + 1,
                  confirm.rollout.steps.length,
                )}{' '}
                of {confirm.rollout.steps.length}, canary{' '}
                {confirm.rollout.canaryWeight}%
              </DialogContentText>
            </DialogContent>
            <DialogActions>
              <Button onClick={() => setConfirm(undefined)}>Cancel</Button>
              <Button
                onClick={run}
                color={DANGEROUS.has(confirm.action) ? 'secondary' : 'primary'}
                variant="contained"
                // eslint-disable-next-line jsx-a11y/no-autofocus -- the user just chose this action; the confirmation dialog focuses its confirm button so Enter confirms and Escape cancels
                autoFocus
              >
                {ROLLOUT_ACTION_LABELS[confirm.action]}
              </Button>
            </DialogActions>
          </>
        )}
      </Dialog>
    </InfoCard>
  );
}
