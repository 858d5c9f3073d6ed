import { ResponseError } from '@backstage/errors';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  InputAdornment,
  TextField,
  Typography,
} from '@material-ui/core';
import { useState } from 'react';

/** Sets (or clears) a service's monthly budget; the server's 400 is shown as it says. */
export function BudgetDialog(props: {
  open: boolean;
  currency: string;
  current?: number;
  onClose(): void;
  /** A number, null to remove, or what was typed when it is not a number (the server says why). */
  onSave(amount: number | null | string): Promise<void>;
}) {
  const [value, setValue] = useState(
    props.current !== undefined ? String(props.current) : '',
  );
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);
  const save = async (amount: number | null | string) => {
    setSaving(true);
    setError(undefined);
    try {
      await props.onSave(amount);
      props.onClose();
    } catch (e) {
      const body = (e as ResponseError).body;
      setError(body?.error?.message ?? (e as Error).message);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Dialog open={props.open} onClose={props.onClose} maxWidth="xs" fullWidth>
      <DialogTitle>Monthly budget</DialogTitle>
      <DialogContent>
        <TextField
          // eslint-disable-next-line jsx-a11y/no-autofocus -- the dialog's only field, opened by the user to type a budget
          autoFocus
          fullWidth
          label="Budget per month"
          value={value}
          onChange={e => setValue(e.target.value)}
          InputProps={{
            endAdornment: (
              <InputAdornment position="end">{props.currency}</InputAdornment>
            ),
          }}
          inputProps={{
            inputMode: 'decimal',
            'aria-label': 'Budget per month',
          }}
          error={!!error}
          helperText={
            error ??
            'The owning team is notified once a month if the forecast goes above it.'
          }
        />
        <Typography variant="caption" color="textSecondary">
          Set here, it takes precedence over the service's
          portolan.dev/monthly-budget annotation.
        </Typography>
      </DialogContent>
      <DialogActions>
        {props.current !== undefined && (
          <Button onClick={() => save(null)} disabled={saving}>
            Remove
          </Button>
        )}
        <Button onClick={props.onClose} disabled={saving}>
          Cancel
        </Button>
        <Button
          color="primary"
          variant="contained"
          disabled={saving}
          onClick={() =>
            save(/^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value)
          }
        >
          Save budget
        </Button>
      </DialogActions>
    </Dialog>
  );
}
