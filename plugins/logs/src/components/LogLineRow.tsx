import {
  Box,
  Button,
  Chip,
  Link,
  Table,
  TableBody,
  TableCell,
  TableRow,
  Typography,
  makeStyles,
} from '@material-ui/core';
import { LogLine } from '@portolan/plugin-logs-common';
import { useState } from 'react';
import { formatTime, levelColour } from './levels';

const useStyles = makeStyles(theme => ({
  row: {
    display: 'grid',
    gridTemplateColumns: '150px 64px 62px minmax(120px, 230px) 1fr',
    gap: theme.spacing(1),
    alignItems: 'baseline',
    padding: theme.spacing(0.5, 1),
    borderBottom: `1px solid ${theme.palette.divider}`,
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
    fontSize: 12.5,
    cursor: 'pointer',
    '&:hover': { background: theme.palette.action.hover },
  },
  anchor: { background: theme.palette.type === 'dark' ? '#3e2723' : '#fff8e1' },
  message: { whiteSpace: 'pre-wrap', wordBreak: 'break-word' },
  mark: {
    background: '#ffe082',
    color: 'inherit',
    padding: 0,
    borderRadius: 2,
  },
  muted: {
    color: theme.palette.text.secondary,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  },
  details: {
    padding: theme.spacing(1, 2, 2, 2),
    background: theme.palette.background.default,
  },
  fieldName: {
    fontFamily: 'monospace',
    width: 260,
    color: theme.palette.text.secondary,
  },
  fieldValue: { fontFamily: 'monospace', wordBreak: 'break-all' },
}));

/** One log line: time, environment, level, pod and message (matches marked); click for every field. */
export function LogLineRow(props: {
  line: LogLine;
  anchor?: boolean;
  showService?: boolean;
  onContext?: (line: LogLine) => void;
  onTrace?: (traceId: string) => void;
}) {
  const { line, anchor, showService, onContext, onTrace } = props;
  const classes = useStyles();
  const [open, setOpen] = useState(false);
  return (
    <Box data-testid="log-line">
      <Box
        className={`${classes.row} ${anchor ? classes.anchor : ''}`}
        onClick={() => setOpen(o => !o)}
        role="button"
        aria-expanded={open}
      >
        <span className={classes.muted} title={line.timestamp}>
          {formatTime(line.timestamp, true)}
        </span>
        <span className={classes.muted}>{line.environment}</span>
        <span
          style={{
            color: levelColour(line.level),
            fontWeight: 700,
            textTransform: 'uppercase',
          }}
        >
          {line.level}
        </span>
        <span className={classes.muted} title={line.pod}>
          {showService ? line.service : line.pod}
        </span>
        <span className={classes.message}>
          {line.segments
            ? line.segments.map((s, i) =>
                s.match ? (
                  <mark key={i} className={classes.mark}>
                    {s.text}
                  </mark>
                ) : (
                  <span key={i}>{s.text}</span>
                ),
              )
            : line.message}
        </span>
      </Box>
      {open && (
        <Box className={classes.details} data-testid="log-line-details">
          <Box display="flex" gridGap={8} mb={1} alignItems="center">
            {onContext && (
              <Button
                size="small"
                variant="outlined"
                color="primary"
                onClick={() => onContext(line)}
              >
                Show context
              </Button>
            )}
            {line.traceId && onTrace && (
              <Typography variant="body2">
                Trace{' '}
                <Link
                  component="button"
                  variant="body2"
                  onClick={() => onTrace(line.traceId!)}
                  data-testid="trace-link"
                >
                  {line.traceId}
                </Link>
              </Typography>
            )}
            {line.pod && <Chip size="small" label={`pod ${line.pod}`} />}
          </Box>
          <Table size="small">
            <TableBody>
              {Object.entries(line.fields)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([name, value]) => (
                  <TableRow key={name}>
                    <TableCell className={classes.fieldName}>{name}</TableCell>
                    <TableCell className={classes.fieldValue}>
                      {typeof value === 'string'
                        ? value
                        : JSON.stringify(value)}
                    </TableCell>
                  </TableRow>
                ))}
            </TableBody>
          </Table>
        </Box>
      )}
    </Box>
  );
}
