import { Chip, makeStyles } from '@material-ui/core';
import { HealthStatus, SyncStatus } from '@portolan/plugin-delivery-common';

const COLORS: Record<string, { bg: string; fg: string }> = {
  Healthy: { bg: '#e3f4e8', fg: '#1b6b34' },
  Synced: { bg: '#e3f4e8', fg: '#1b6b34' },
  Progressing: { bg: '#e5effb', fg: '#1f4f8f' },
  Suspended: { bg: '#f1ecf9', fg: '#5a3d8a' },
  OutOfSync: { bg: '#fff3dc', fg: '#8a5300' },
  Degraded: { bg: '#fde8e8', fg: '#a02020' },
  Missing: { bg: '#fde8e8', fg: '#a02020' },
  Unknown: { bg: '#eeeeee', fg: '#555555' },
};

const useStyles = makeStyles({
  chip: { fontWeight: 600, height: 22, margin: 0 },
});

/** Argo CD sync or health status as a coloured chip. */
export function StatusChip({ status }: { status: SyncStatus | HealthStatus }) {
  const classes = useStyles();
  const color = COLORS[status] ?? COLORS.Unknown;
  return (
    <Chip
      size="small"
      label={status}
      className={classes.chip}
      style={{ background: color.bg, color: color.fg }}
    />
  );
}
