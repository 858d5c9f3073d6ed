import { Link } from '@backstage/core-components';
import { Box, Chip, Tooltip, Typography } from '@material-ui/core';
import { Deployment, DeploymentResult } from '@portolan/plugin-delivery-common';
import { relativeTime } from './relativeTime';

export const RESULT_COLORS: Record<
  DeploymentResult,
  { bg: string; fg: string; mark: string }
> = {
  succeeded: { bg: '#e3f4e8', fg: '#1b6b34', mark: '#2e7d32' },
  'in-progress': { bg: '#e5effb', fg: '#1f4f8f', mark: '#1565c0' },
  failed: { bg: '#fde8e8', fg: '#a02020', mark: '#c62828' },
  'rolled-back': { bg: '#fff3dc', fg: '#8a5300', mark: '#ef6c00' },
  'canary-aborted': { bg: '#fde8e8', fg: '#a02020', mark: '#ad1457' },
};

/** "Grace Hopper · synced by automated": who wrote it, who shipped it. */
export function commitByline(d: Deployment): string {
  return [
    d.commit?.author?.replace(/\s*<.*>$/, ''),
    d.initiator && `synced by ${d.initiator}`,
  ]
    .filter(Boolean)
    .join(' · ');
}

export function ResultChip({ result }: { result: DeploymentResult }) {
  return (
    <Chip
      size="small"
      label={result}
      style={{
        background: RESULT_COLORS[result].bg,
        color: RESULT_COLORS[result].fg,
        fontWeight: 600,
      }}
    />
  );
}

/** Revision (linked to the commit when known), message, byline, Argo CD link. */
export function DeploymentChange({
  d,
  argoCdLink = false,
}: {
  d: Deployment;
  argoCdLink?: boolean;
}) {
  const short = <code>{d.revision.slice(0, 7)}</code>;
  return (
    <Box>
      <Tooltip title={d.revision}>
        {d.commitUrl ? <Link to={d.commitUrl}>{short}</Link> : short}
      </Tooltip>{' '}
      <Typography variant="body2" component="span">
        {d.commit?.message?.split('\n')[0] ?? ''}
      </Typography>
      <Typography variant="caption" display="block" color="textSecondary">
        {commitByline(d)}
        {argoCdLink && d.argoCdUrl && (
          <>
            {' · '}
            <Link to={d.argoCdUrl}>{d.app} in Argo CD</Link>
          </>
        )}
      </Typography>
    </Box>
  );
}

export function RelativeTimestamp({ at }: { at: string }) {
  return (
    <Tooltip title={at}>
      <span>{relativeTime(at)}</span>
    </Tooltip>
  );
}
