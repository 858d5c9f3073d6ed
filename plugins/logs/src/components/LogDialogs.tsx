import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  Box,
  Dialog,
  DialogContent,
  DialogTitle,
  IconButton,
  Typography,
} from '@material-ui/core';
import CloseIcon from '@material-ui/icons/Close';
import { LogLine } from '@portolan/plugin-logs-common';
import useAsync from 'react-use/esm/useAsync';
import { logsApiRef } from '../api/LogsApi';
import { LogLineRow } from './LogLineRow';

function Title(props: { children: React.ReactNode; onClose: () => void }) {
  return (
    <DialogTitle disableTypography>
      <Box display="flex" alignItems="center" justifyContent="space-between">
        <Typography variant="h6">{props.children}</Typography>
        <IconButton aria-label="Close" onClick={props.onClose}>
          <CloseIcon />
        </IconButton>
      </Box>
    </DialogTitle>
  );
}

/** The lines before and after one line, from the same pod. */
export function ContextDialog(props: {
  entity: CompoundEntityRef;
  line: LogLine;
  onClose: () => void;
  onTrace: (id: string) => void;
}) {
  const api = useApi(logsApiRef);
  const { value, loading, error } = useAsync(
    () => api.getContext(props.entity, props.line.id, 25),
    [props.line.id],
  );
  return (
    <Dialog open onClose={props.onClose} maxWidth="lg" fullWidth>
      <Title onClose={props.onClose}>
        Context — {props.line.pod ?? props.line.service}
      </Title>
      <DialogContent data-testid="context-dialog">
        {loading && <Progress />}
        {error && <ResponseErrorPanel error={error} />}
        {value && (
          <>
            {value.before.map(l => (
              <LogLineRow key={l.id} line={l} onTrace={props.onTrace} />
            ))}
            <LogLineRow line={value.anchor} anchor onTrace={props.onTrace} />
            {value.after.map(l => (
              <LogLineRow key={l.id} line={l} onTrace={props.onTrace} />
            ))}
          </>
        )}
      </DialogContent>
    </Dialog>
  );
}

/** Every line of a trace, across the services the user may read. */
export function TraceDialog(props: { traceId: string; onClose: () => void }) {
  const api = useApi(logsApiRef);
  const { value, loading, error } = useAsync(
    () => api.getTrace(props.traceId),
    [props.traceId],
  );
  return (
    <Dialog open onClose={props.onClose} maxWidth="lg" fullWidth>
      <Title onClose={props.onClose}>Trace {props.traceId}</Title>
      <DialogContent data-testid="trace-dialog">
        {loading && <Progress />}
        {error && <ResponseErrorPanel error={error} />}
        {value && (
          <>
            <Typography variant="body2" color="textSecondary" gutterBottom>
              {value.lines.length} line{value.lines.length === 1 ? '' : 's'} in{' '}
              {[...new Set(value.lines.map(l => l.service))].join(', ') ||
                'no service'}{' '}
              (searched the {value.services.length} services whose logs you may
              read)
            </Typography>
            {value.errors.map(e => (
              <Typography key={e.cluster} color="error" variant="body2">
                {e.message}
              </Typography>
            ))}
            {value.lines.map(l => (
              <LogLineRow key={l.id} line={l} showService />
            ))}
          </>
        )}
      </DialogContent>
    </Dialog>
  );
}
