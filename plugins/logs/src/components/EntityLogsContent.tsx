import { getCompoundEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Box } from '@material-ui/core';
import { useMemo } from 'react';
import { LogsView } from './LogsView';

/** The Logs tab of a service page. */
export function EntityLogsContent() {
  const { entity } = useEntity();
  const ref = useMemo(() => getCompoundEntityRef(entity), [entity]);
  const subject = useMemo(() => ({ kind: 'entity' as const, ref }), [ref]);
  return (
    <Box p={0}>
      <LogsView subject={subject} entity={ref} />
    </Box>
  );
}
