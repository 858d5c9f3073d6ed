import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  TextField,
  Typography,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { useState } from 'react';
import { errorMessage } from './format';

/** Asks for a waiver of one check: a reason and an expiry within the maximum. */
export function WaiverDialog(props: {
  open: boolean;
  checkTitle: string;
  maxDays: number;
  today: string;
  onClose: () => void;
  onSubmit: (reason: string, expiresAt: string) => Promise<void>;
}) {
  const [reason, setReason] = useState('');
  const [expiry, setExpiry] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await props.onSubmit(reason, `${expiry}T23:59:59Z`);
      setReason('');
      setExpiry('');
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={props.open} onClose={props.onClose} fullWidth maxWidth="sm">
      <DialogTitle>Request a waiver: {props.checkTitle}</DialogTitle>
      <DialogContent>
        <Typography variant="body2" paragraph>
          The check counts as waived (not passed) once someone from the approver
          group approves, until the expiry (at most {props.maxDays} days).
        </Typography>
        <TextField
          label="Reason"
          fullWidth
          multiline
          minRows={2}
          value={reason}
          onChange={e => setReason(e.target.value)}
          inputProps={{ 'data-testid': 'waiver-reason' }}
          margin="normal"
        />
        <TextField
          label="Expires on"
          type="date"
          value={expiry}
          onChange={e => setExpiry(e.target.value)}
          InputLabelProps={{ shrink: true }}
          inputProps={{ 'data-testid': 'waiver-expiry', min: props.today }}
          margin="normal"
        />
        {error && <Alert severity="error">{error}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={busy || !expiry}
          onClick={submit}
        >
          Request waiver
        </Button>
      </DialogActions>
    </Dialog>
  );
}
