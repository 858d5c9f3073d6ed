import {
  Content,
  Header,
  Page,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/frontend-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { MenuItem, TextField, Typography } from '@material-ui/core';
import { useMemo, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { LogsView } from './LogsView';

/** Organisation view: a team searches across its own services. */
export function TeamLogsPage() {
  const catalogApi = useApi(catalogApiRef);
  const groups = useAsync(async () => {
    const { items } = await catalogApi.getEntities({
      filter: { kind: 'group' },
      fields: [
        'metadata.name',
        'metadata.namespace',
        'metadata.title',
        'spec.type',
      ],
    });
    return items.filter(g => (g.spec as any)?.type === 'team');
  }, [catalogApi]);
  const [team, setTeam] = useState<string>('');
  const selected =
    team || (groups.value?.[0] ? stringifyEntityRef(groups.value[0]) : '');
  const subject = useMemo(() => {
    const [, rest] = selected.split(':');
    const [namespace, name] = (rest ?? '').split('/');
    return { kind: 'team' as const, namespace, name };
  }, [selected]);
  return (
    <Page themeId="tool">
      <Header title="Logs" subtitle="Search the logs of a team's services" />
      <Content>
        {groups.loading && <Progress />}
        {groups.error && <ResponseErrorPanel error={groups.error} />}
        {groups.value && (
          <LogsView
            key={selected}
            subject={subject}
            intro={
              <TextField
                select
                size="small"
                variant="outlined"
                label="Team"
                value={selected}
                onChange={e => setTeam(e.target.value)}
                style={{ minWidth: 260, marginBottom: 12 }}
              >
                {groups.value.map(g => (
                  <MenuItem
                    key={stringifyEntityRef(g)}
                    value={stringifyEntityRef(g)}
                  >
                    {g.metadata.title ?? g.metadata.name}
                  </MenuItem>
                ))}
              </TextField>
            }
          />
        )}
        {groups.value?.length === 0 && (
          <Typography>No teams in the catalog.</Typography>
        )}
      </Content>
    </Page>
  );
}
