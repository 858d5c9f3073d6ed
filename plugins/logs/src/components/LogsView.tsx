import {
  EmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  Box,
  Button,
  Chip,
  FormControlLabel,
  Menu,
  MenuItem,
  Paper,
  Switch,
  TextField,
  Typography,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import SearchIcon from '@material-ui/icons/Search';
import {
  FacetValue,
  LogFieldInfo,
  LogLine,
  LogSearchQuery,
  LogSearchResponse,
} from '@portolan/plugin-logs-common';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { DeployMarker, LogSubject, logsApiRef } from '../api/LogsApi';
import { ContextDialog, TraceDialog } from './LogDialogs';
import { LogHistogram } from './LogHistogram';
import { LogLineRow } from './LogLineRow';
import { PRESETS, levelColour } from './levels';

const toLocalInput = (d: Date) =>
  new Date(d.getTime() - d.getTimezoneOffset() * 60_000)
    .toISOString()
    .slice(0, 16);

interface Applied {
  q: string;
  from: string;
  to: string;
  environment: string[];
  level: string[];
  pod: string[];
  filter: string[];
}

function FacetChips(props: {
  label: string;
  values: FacetValue[];
  selected: string[];
  onToggle: (v: string) => void;
  colour?: (v: string) => string;
  max?: number;
}) {
  const shown = [...props.values.slice(0, props.max ?? 12)];
  for (const s of props.selected)
    if (!shown.some(v => v.value === s)) shown.push({ value: s, count: 0 });
  if (shown.length === 0) return null;
  return (
    <Box display="flex" alignItems="center" flexWrap="wrap" gridGap={4} mr={2}>
      <Typography
        variant="caption"
        color="textSecondary"
        style={{ marginRight: 4 }}
      >
        {props.label}
      </Typography>
      {shown.map(v => {
        const on = props.selected.includes(v.value);
        return (
          <Chip
            key={v.value}
            size="small"
            clickable
            onClick={() => props.onToggle(v.value)}
            label={`${v.value} ${
              v.count ? `(${v.count.toLocaleString()})` : ''
            }`}
            variant={on ? 'default' : 'outlined'}
            color={on ? 'primary' : 'default'}
            style={
              props.colour && !on
                ? {
                    borderColor: props.colour(v.value),
                    color: props.colour(v.value),
                  }
                : undefined
            }
            data-testid={`facet-${props.label.toLowerCase()}-${v.value}`}
          />
        );
      })}
    </Box>
  );
}

/**
 * Log search over one service (its Logs tab) or a team's services: time
 * range, query, filters, histogram with deploy markers, lines newest first
 * with infinite scroll, context, traces, live tail, export, Kibana.
 */
export function LogsView(props: {
  subject: LogSubject;
  entity?: CompoundEntityRef;
  intro?: React.ReactNode;
}) {
  const { subject, entity } = props;
  const api = useApi(logsApiRef);
  const [preset, setPreset] = useState('1h');
  const [custom, setCustom] = useState(() => ({
    from: toLocalInput(new Date(Date.now() - 3_600_000)),
    to: toLocalInput(new Date()),
  }));
  const [text, setText] = useState('');
  const [applied, setApplied] = useState<Applied | undefined>();
  const [facetSel, setFacetSel] = useState({
    environment: [] as string[],
    level: [] as string[],
    pod: [] as string[],
  });
  const [filters, setFilters] = useState<string[]>([]);
  const [fieldList, setFieldList] = useState<LogFieldInfo[]>([]);
  const [newField, setNewField] = useState('');
  const [newValue, setNewValue] = useState('');
  const [result, setResult] = useState<
    | (LogSearchResponse & {
        otherClusters?: Array<{ cluster: string; services: string[] }>;
      })
    | undefined
  >();
  const [lines, setLines] = useState<LogLine[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const [tailCursor, setTailCursor] = useState<string | undefined>();
  const [deploys, setDeploys] = useState<DeployMarker[]>([]);
  const [loading, setLoading] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const [live, setLive] = useState(false);
  const [contextLine, setContextLine] = useState<LogLine | undefined>();
  const [traceId, setTraceId] = useState<string | undefined>();
  const [exportAnchor, setExportAnchor] = useState<HTMLElement | null>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const requestId = useRef(0);

  const range = useCallback((): { from: string; to: string } => {
    const p = PRESETS.find(([key]) => key === preset);
    if (p) {
      const to = new Date();
      return {
        from: new Date(to.getTime() - p[2]).toISOString(),
        to: to.toISOString(),
      };
    }
    return {
      from: new Date(custom.from).toISOString(),
      to: new Date(custom.to).toISOString(),
    };
  }, [preset, custom]);

  const query = (
    a: Applied,
    extra: Partial<LogSearchQuery> = {},
  ): LogSearchQuery => ({ ...a, size: 100, ...extra });

  // The search depends on the subject by value (a team's name, not the object).
  const teamName = subject.kind === 'team' ? subject.name : undefined;
  const run = useCallback(
    async (a: Applied) => {
      const id = ++requestId.current;
      setApplied(a);
      setLoading(true);
      setError(undefined);
      try {
        const [res, markers] = await Promise.all([
          api.search(subject, query(a)),
          entity ? api.getDeploys(entity, a.from, a.to) : Promise.resolve([]),
        ]);
        if (id !== requestId.current) return;
        setResult(res);
        setLines(res.lines);
        setCursor(res.nextCursor);
        setTailCursor(res.tailCursor);
        setDeploys(markers);
      } catch (e) {
        if (id === requestId.current) {
          setError(e as Error);
          setResult(undefined);
          setLines([]);
        }
      } finally {
        if (id === requestId.current) setLoading(false);
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [
      api,
      subject.kind,
      entity?.name,
      entity?.namespace,
      entity?.kind,
      teamName,
    ],
  );

  const search = useCallback(
    (overrides: Partial<Applied> = {}) =>
      run({
        q: text.trim(),
        ...range(),
        ...facetSel,
        filter: filters,
        ...overrides,
      }),
    [run, text, range, facetSel, filters],
  );

  // First search on open, and again when the range preset changes.
  useEffect(() => {
    search();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [preset, run]);

  useEffect(() => {
    if (entity)
      api
        .getFields(entity)
        .then(r => setFieldList(r.fields))
        .catch(() => setFieldList([]));
  }, [api, entity]);

  const loadMore = useCallback(async () => {
    if (!applied || !cursor || loadingMore) return;
    setLoadingMore(true);
    try {
      const res = await api.search(subject, query(applied, { cursor }));
      setLines(prev => [...prev, ...res.lines]);
      setCursor(res.nextCursor);
    } catch (e) {
      setError(e as Error);
    } finally {
      setLoadingMore(false);
    }
  }, [api, subject, applied, cursor, loadingMore]);

  // Infinite scroll into the past.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !cursor) return undefined;
    const observer = new IntersectionObserver(entries => {
      if (entries.some(e => e.isIntersecting)) loadMore();
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [cursor, loadMore]);

  // Live tail: new lines on top every few seconds.
  useEffect(() => {
    if (!live || !entity || !applied || !tailCursor) return undefined;
    let current = tailCursor;
    const timer = setInterval(async () => {
      try {
        const res = await api.tail(
          entity,
          query(applied, { size: 200 }),
          current,
        );
        current = res.tailCursor;
        setTailCursor(res.tailCursor);
        if (res.lines.length)
          setLines(prev =>
            [...[...res.lines].reverse(), ...prev].slice(0, 2000),
          );
      } catch (e) {
        setError(e as Error);
        setLive(false);
      }
    }, 5000);
    return () => clearInterval(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [live, entity, applied]);

  const toggleFacet = (
    kind: 'environment' | 'level' | 'pod',
    value: string,
  ) => {
    const next = {
      ...facetSel,
      [kind]: facetSel[kind].includes(value)
        ? facetSel[kind].filter(v => v !== value)
        : [...facetSel[kind], value],
    };
    setFacetSel(next);
    run({ q: text.trim(), ...range(), ...next, filter: filters });
  };
  const addFilter = () => {
    if (!newField || !newValue) return;
    const next = [...filters, `${newField}:${newValue}`];
    setFilters(next);
    setNewValue('');
    search({ filter: next });
  };
  const removeFilter = (f: string) => {
    const next = filters.filter(x => x !== f);
    setFilters(next);
    search({ filter: next });
  };
  const download = async (format: 'ndjson' | 'csv') => {
    setExportAnchor(null);
    if (!entity || !applied) return;
    try {
      const blob = await api.exportLines(entity, query(applied), format);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `${entity.name}-logs.${format}`;
      a.click();
      URL.revokeObjectURL(url);
    } catch (e) {
      setError(e as Error);
    }
  };

  const scope = result?.scope;
  const filterable = useMemo(
    () => fieldList.filter(f => f.aggregatable && !f.name.startsWith('@')),
    [fieldList],
  );

  return (
    <Box>
      {props.intro}
      <Paper variant="outlined" style={{ padding: 12, marginBottom: 12 }}>
        <Box display="flex" gridGap={8} alignItems="center" flexWrap="wrap">
          <TextField
            select
            size="small"
            variant="outlined"
            label="Time range"
            value={preset}
            onChange={e => setPreset(e.target.value)}
            style={{ minWidth: 170 }}
            inputProps={{ 'data-testid': 'time-range' }}
          >
            {PRESETS.map(([key, label]) => (
              <MenuItem key={key} value={key}>
                {label}
              </MenuItem>
            ))}
            <MenuItem value="custom">Custom…</MenuItem>
          </TextField>
          {preset === 'custom' && (
            <>
              <TextField
                size="small"
                variant="outlined"
                type="datetime-local"
                label="From"
                InputLabelProps={{ shrink: true }}
                value={custom.from}
                onChange={e => setCustom(c => ({ ...c, from: e.target.value }))}
              />
              <TextField
                size="small"
                variant="outlined"
                type="datetime-local"
                label="To"
                InputLabelProps={{ shrink: true }}
                value={custom.to}
                onChange={e => setCustom(c => ({ ...c, to: e.target.value }))}
              />
            </>
          )}
          <TextField
            size="small"
            variant="outlined"
            label='Search (KQL: words, "phrases", field:value, and / or / not)'
            value={text}
            onChange={e => setText(e.target.value)}
            onKeyDown={e => {
              if (e.key === 'Enter') search();
            }}
            style={{ flex: 1, minWidth: 320 }}
            inputProps={{
              'aria-label': 'Log query',
              'data-testid': 'log-query',
            }}
          />
          <Button
            variant="contained"
            color="primary"
            startIcon={<SearchIcon />}
            onClick={() => search()}
          >
            Search
          </Button>
          {entity && (
            <FormControlLabel
              control={
                <Switch
                  checked={live}
                  onChange={e => setLive(e.target.checked)}
                  color="primary"
                />
              }
              label="Live"
            />
          )}
          {entity && (
            <>
              <Button
                variant="outlined"
                onClick={e => setExportAnchor(e.currentTarget)}
                disabled={!result}
              >
                Export
              </Button>
              <Menu
                anchorEl={exportAnchor}
                open={!!exportAnchor}
                onClose={() => setExportAnchor(null)}
              >
                <MenuItem onClick={() => download('ndjson')}>
                  NDJSON (all fields)
                </MenuItem>
                <MenuItem onClick={() => download('csv')}>CSV</MenuItem>
              </Menu>
            </>
          )}
          {result?.kibanaUrl && (
            <Button
              variant="outlined"
              href={result.kibanaUrl}
              target="_blank"
              rel="noopener noreferrer"
            >
              Open in Kibana
            </Button>
          )}
        </Box>
        {result?.facets && (
          <Box display="flex" flexWrap="wrap" mt={1.5} gridGap={6}>
            <FacetChips
              label="Environment"
              values={result.facets.environment}
              selected={facetSel.environment}
              onToggle={v => toggleFacet('environment', v)}
            />
            <FacetChips
              label="Level"
              values={result.facets.level}
              selected={facetSel.level}
              onToggle={v => toggleFacet('level', v)}
              colour={levelColour}
            />
            <FacetChips
              label="Pod"
              values={result.facets.pod}
              selected={facetSel.pod}
              onToggle={v => toggleFacet('pod', v)}
              max={6}
            />
          </Box>
        )}
        {entity && (
          <Box
            display="flex"
            alignItems="center"
            gridGap={8}
            mt={1.5}
            flexWrap="wrap"
          >
            <TextField
              select
              size="small"
              variant="outlined"
              label="Field"
              value={newField}
              onChange={e => setNewField(e.target.value)}
              style={{ minWidth: 220 }}
            >
              {filterable.map(f => (
                <MenuItem key={f.name} value={f.name}>
                  {f.name}
                </MenuItem>
              ))}
            </TextField>
            <TextField
              size="small"
              variant="outlined"
              label="Value"
              value={newValue}
              onChange={e => setNewValue(e.target.value)}
              onKeyDown={e => e.key === 'Enter' && addFilter()}
            />
            <Button
              size="small"
              onClick={addFilter}
              disabled={!newField || !newValue}
            >
              Add filter
            </Button>
            {filters.map(f => (
              <Chip
                key={f}
                size="small"
                label={f}
                onDelete={() => removeFilter(f)}
              />
            ))}
          </Box>
        )}
      </Paper>

      {scope && scope.length === 1 && !scope[0].annotated && (
        <Alert severity="info" style={{ marginBottom: 12 }}>
          This service has no log annotations, so Portolan shows the default
          scope: lines whose <code>{scope[0].serviceField}</code> is{' '}
          <code>{scope[0].service}</code> in <code>{scope[0].index}</code> on
          cluster {scope[0].cluster}. To point elsewhere, add{' '}
          <code>portolan.dev/logs-service</code>,{' '}
          <code>portolan.dev/logs-index</code> or{' '}
          <code>portolan.dev/logs-cluster</code> to its{' '}
          <code>catalog-info.yaml</code> (see the README, Logs).
        </Alert>
      )}
      {result?.otherClusters && result.otherClusters.length > 0 && (
        <Alert severity="warning" style={{ marginBottom: 12 }}>
          Not searched here (other clusters):{' '}
          {result.otherClusters
            .map(o => `${o.services.join(', ')} on ${o.cluster}`)
            .join('; ')}
          .
        </Alert>
      )}
      {error && (
        <Box mb={2}>
          {errorStatus(error) === 403 ? (
            // A refusal is an answer, not a failure: say it in plain view.
            <Alert severity="warning">{errorReason(error)}</Alert>
          ) : (
            <ResponseErrorPanel
              error={error}
              title={`Log search failed: ${errorReason(error)}`}
            />
          )}
        </Box>
      )}
      {loading && <Progress />}
      {result && !loading && (
        <Paper variant="outlined" style={{ padding: 12, marginBottom: 12 }}>
          <Box
            display="flex"
            justifyContent="space-between"
            alignItems="baseline"
          >
            <Typography variant="subtitle2" data-testid="logs-total">
              {result.total
                ? `${result.total.value.toLocaleString()}${
                    result.total.relation === 'gte' ? '+' : ''
                  } lines`
                : ''}
              <Typography
                component="span"
                variant="caption"
                color="textSecondary"
              >
                {' '}
                · {new Date(result.from).toLocaleString()} –{' '}
                {new Date(result.to).toLocaleString()} · {result.tookMs} ms ·
                cluster {result.cluster}
              </Typography>
            </Typography>
          </Box>
          {result.histogram && (
            <LogHistogram
              buckets={result.histogram.buckets}
              intervalMs={result.histogram.intervalMs}
              deploys={deploys}
            />
          )}
        </Paper>
      )}
      {result && !loading && lines.length === 0 && (
        <EmptyState
          missing="data"
          title="No log lines match"
          description="Widen the time range, remove a filter or change the query. Words search the message; field:value matches a field."
        />
      )}
      {lines.length > 0 && (
        <Paper variant="outlined">
          {lines.map(l => (
            <LogLineRow
              key={l.id}
              line={l}
              showService={subject.kind === 'team'}
              onContext={entity ? setContextLine : undefined}
              onTrace={setTraceId}
            />
          ))}
          <div ref={sentinel} />
          {loadingMore && <Progress />}
          {!cursor && (
            <Typography
              variant="caption"
              color="textSecondary"
              style={{ display: 'block', padding: 8 }}
            >
              End of results
            </Typography>
          )}
        </Paper>
      )}
      {contextLine && entity && (
        <ContextDialog
          entity={entity}
          line={contextLine}
          onClose={() => setContextLine(undefined)}
          onTrace={id => {
            setContextLine(undefined);
            setTraceId(id);
          }}
        />
      )}
      {traceId && (
        <TraceDialog traceId={traceId} onClose={() => setTraceId(undefined)} />
      )}
    </Box>
  );
}

/** The backend's own message (a ResponseError carries it in its body). */
function errorReason(error: Error): string {
  const body = (error as { body?: { error?: { message?: string } } }).body;
  return body?.error?.message ?? error.message;
}

function errorStatus(error: Error): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}
