import { useApi } from '@backstage/frontend-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Drawer from '@material-ui/core/Drawer';
import IconButton from '@material-ui/core/IconButton';
import LinearProgress from '@material-ui/core/LinearProgress';
import Link from '@material-ui/core/Link';
import MenuItem from '@material-ui/core/MenuItem';
import Select from '@material-ui/core/Select';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import CloseIcon from '@material-ui/icons/Close';
import DeleteIcon from '@material-ui/icons/Delete';
import ThumbDownIcon from '@material-ui/icons/ThumbDown';
import ThumbUpIcon from '@material-ui/icons/ThumbUp';
import type {
  AssistantConversationSummary,
  AssistantInfo,
  AssistantMessage,
  AssistantProposal,
  AssistantStreamEvent,
} from '@portolan/plugin-assistant-common';
import { describeProposal } from '@portolan/plugin-assistant-common';
import { useCallback, useEffect, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { assistantApiRef } from '../api/AssistantClient';

const errorText = (e: unknown) => (e as Error)?.message ?? String(e);

const approveLabel = (p: AssistantProposal) => {
  if (p.kind === 'waiver') return 'Approve: request the waiver';
  if (p.kind === 'template') return 'Approve: open the template';
  return `Approve ${p.action}`;
};

/** Exactly what a proposal would do, and the state it was based on. */
function ProposalTarget(props: { proposal: AssistantProposal }) {
  const p = props.proposal;
  const expires = new Date(p.expiresAt).toLocaleTimeString();
  if (p.kind === 'rollout')
    return (
      <Typography variant="body2">
        Target {p.cluster}/{p.namespace}/{p.rollout}; based on {p.basedOn}{' '}
        (resourceVersion {p.resourceVersion}); expires {expires}.
      </Typography>
    );
  if (p.kind === 'waiver')
    return (
      <Typography variant="body2">
        Check {p.checkTitle} ({p.checkId}), waived until{' '}
        {p.waiverExpiresAt.slice(0, 10)} if an approver agrees; based on{' '}
        {p.basedOn}; expires {expires}.
      </Typography>
    );
  return (
    <>
      <Typography variant="body2">
        Template {p.templateRef}; you review and run it yourself; expires{' '}
        {expires}. Values:
      </Typography>
      <ul style={{ margin: 0, paddingLeft: 18 }}>
        {Object.entries(p.values).map(([k, v]) => (
          <li key={k}>
            <Typography variant="body2" style={{ overflowWrap: 'anywhere' }}>
              {k}: {JSON.stringify(v)}
            </Typography>
          </li>
        ))}
      </ul>
    </>
  );
}

function ProposalCard(props: {
  proposal: AssistantProposal;
  onApprove: (id: string) => Promise<void>;
}) {
  const { proposal: p } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  return (
    <Box
      data-testid="assistant-proposal"
      border={1}
      borderColor="grey.400"
      borderRadius={4}
      p={1}
      my={1}
    >
      <Typography variant="subtitle2">
        Proposal: {describeProposal(p)} ({p.entityRef})
      </Typography>
      <ProposalTarget proposal={p} />
      {p.reason && (
        <Typography variant="body2" color="textSecondary">
          Model's reason: {p.reason}
        </Typography>
      )}
      {p.status !== 'open' && (
        <Typography variant="body2" data-testid="assistant-proposal-status">
          {p.status}
          {p.outcome ? `: ${p.outcome}` : ''}
        </Typography>
      )}
      {p.approvable ? (
        <Button
          variant="contained"
          color="primary"
          size="small"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            setError(undefined);
            try {
              await props.onApprove(p.id);
            } catch (e) {
              setError(errorText(e));
            } finally {
              setBusy(false);
            }
          }}
        >
          {approveLabel(p)}
        </Button>
      ) : (
        p.status === 'open' && (
          <Typography variant="body2" color="textSecondary">
            Not approvable: {p.notApprovableReason}
          </Typography>
        )
      )}
      {error && (
        <Typography variant="body2" color="error" role="alert">
          {error}
        </Typography>
      )}
    </Box>
  );
}

function MessageView(props: {
  message: AssistantMessage;
  onApprove: (id: string) => Promise<void>;
  onFeedback?: (f: 'up' | 'down') => void;
}) {
  const m = props.message;
  if (m.role === 'user')
    return (
      <Box
        my={1}
        p={1}
        bgcolor="action.hover"
        borderRadius={4}
        style={{ whiteSpace: 'pre-wrap' }}
      >
        {m.content}
      </Box>
    );
  return (
    <Box my={1} data-testid="assistant-answer">
      {m.model?.standIn && (
        <Chip
          size="small"
          label="Sandbox stand-in, not a model"
          style={{ marginBottom: 4 }}
        />
      )}
      {m.notice && (
        <Typography variant="body2" color="error" role="status">
          {m.notice}
        </Typography>
      )}
      {m.content && (
        <Typography
          variant="body2"
          component="div"
          style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}
        >
          {m.content}
        </Typography>
      )}
      {m.brief && (
        <Box data-testid="assistant-brief" mt={1}>
          <Typography variant="subtitle2">
            Offline brief for {m.brief.entityRef} (fixed rules, no model)
          </Typography>
          {m.brief.sections.map(s => (
            <Box key={s.title} mt={0.5}>
              <Typography variant="body2">
                <b>{s.title}</b>
                {s.link && (
                  <>
                    {' '}
                    <Link href={s.link}>open</Link>
                  </>
                )}
              </Typography>
              {s.error ? (
                <Typography variant="body2" color="textSecondary">
                  unavailable: {s.error}
                </Typography>
              ) : (
                <ul style={{ margin: 0, paddingLeft: 18 }}>
                  {s.items.map((item, i) => (
                    <li key={i}>
                      <Typography variant="body2">{item}</Typography>
                    </li>
                  ))}
                </ul>
              )}
            </Box>
          ))}
        </Box>
      )}
      {m.proposals.map(p => (
        <ProposalCard key={p.id} proposal={p} onApprove={props.onApprove} />
      ))}
      {m.sources.length > 0 && (
        <Box mt={1} data-testid="assistant-sources">
          <Typography variant="caption">Sources</Typography>
          <ul style={{ margin: 0, paddingLeft: 18 }}>
            {m.sources.map(s => (
              <li key={s.url}>
                <Link href={s.url} variant="body2">
                  {s.title}
                </Link>
              </li>
            ))}
          </ul>
        </Box>
      )}
      {m.tools.length > 0 && (
        <Box mt={1} data-testid="assistant-tools">
          <Typography variant="caption">Tools called</Typography>
          {m.tools.map((t, i) => (
            <Typography
              key={i}
              variant="caption"
              component="div"
              color={t.ok ? 'textSecondary' : 'error'}
              style={{ overflowWrap: 'anywhere' }}
            >
              {t.ok ? '✓' : '✗'} {t.tool} {JSON.stringify(t.input)}
              {t.error ? ` — ${t.error}` : ''}
            </Typography>
          ))}
        </Box>
      )}
      {props.onFeedback && (
        <Box>
          <IconButton
            size="small"
            aria-label="Good answer"
            color={m.feedback === 'up' ? 'primary' : 'default'}
            onClick={() => props.onFeedback!('up')}
          >
            <ThumbUpIcon fontSize="inherit" />
          </IconButton>
          <IconButton
            size="small"
            aria-label="Bad answer"
            color={m.feedback === 'down' ? 'primary' : 'default'}
            onClick={() => props.onFeedback!('down')}
          >
            <ThumbDownIcon fontSize="inherit" />
          </IconButton>
        </Box>
      )}
    </Box>
  );
}

const emptyAnswer = (): AssistantMessage => ({
  id: 'pending',
  role: 'assistant',
  content: '',
  createdAt: new Date().toISOString(),
  tools: [],
  sources: [],
  proposals: [],
});

/** Applies one streamed event to the answer being built. */
function applyEvent(
  m: AssistantMessage,
  e: AssistantStreamEvent,
): AssistantMessage {
  switch (e.type) {
    case 'token':
      return { ...m, content: m.content + e.text };
    case 'tool':
      return { ...m, tools: [...m.tools, e.call] };
    case 'source':
      return { ...m, sources: [...m.sources, e.source] };
    case 'proposal':
      return { ...m, proposals: [...m.proposals, e.proposal] };
    case 'notice':
      return { ...m, notice: e.message };
    case 'brief':
      return { ...m, brief: e.brief };
    case 'done':
      return e.message;
    default:
      return m;
  }
}

/** The assistant panel: conversation, streaming answer, conversation list. */
export function AssistantDrawer(props: {
  open: boolean;
  onClose: () => void;
  entityRef?: string;
}) {
  const api = useApi(assistantApiRef);
  const navigate = useNavigate();
  const [info, setInfo] = useState<AssistantInfo>();
  const [conversations, setConversations] = useState<
    AssistantConversationSummary[]
  >([]);
  const [conversationId, setConversationId] = useState<string>();
  const [messages, setMessages] = useState<AssistantMessage[]>([]);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const refreshList = useCallback(
    () =>
      api
        .listConversations()
        .then(setConversations)
        .catch(e => setError(errorText(e))),
    [api],
  );
  useEffect(() => {
    api
      .info()
      .then(setInfo)
      .catch(e => setError(errorText(e)));
    refreshList();
  }, [api, refreshList]);

  const open = async (id: string | undefined) => {
    setError(undefined);
    setConversationId(id);
    if (!id) {
      setMessages([]);
      return;
    }
    try {
      setMessages((await api.getConversation(id)).messages);
    } catch (e) {
      setError(errorText(e));
    }
  };

  const send = async () => {
    const question = text.trim();
    if (!question || busy) return;
    setBusy(true);
    setError(undefined);
    setText('');
    const user: AssistantMessage = {
      ...emptyAnswer(),
      id: 'question',
      role: 'user',
      content: question,
    };
    setMessages(ms => [...ms, user, emptyAnswer()]);
    try {
      await api.ask(
        { conversationId, entityRef: props.entityRef, text: question },
        e => {
          if (e.type === 'conversation') setConversationId(e.conversationId);
          setMessages(ms => [
            ...ms.slice(0, -1),
            applyEvent(ms[ms.length - 1], e),
          ]);
        },
      );
      refreshList();
    } catch (e) {
      setError(errorText(e));
      setMessages(ms => ms.slice(0, -2));
      setText(question);
    } finally {
      setBusy(false);
    }
  };

  const approve = async (proposalId: string) => {
    const updated = await api.approve(proposalId);
    // A template opens prefilled in the scaffolder; the user runs it there.
    if (updated.kind === 'template' && updated.status === 'approved')
      navigate(updated.url);
    setMessages(ms =>
      ms.map(m => ({
        ...m,
        proposals: m.proposals.map(p => (p.id === updated.id ? updated : p)),
      })),
    );
  };

  const feedback = async (m: AssistantMessage, f: 'up' | 'down') => {
    if (!conversationId) return;
    const next = m.feedback === f ? null : f;
    try {
      await api.setFeedback(conversationId, m.id, next);
      setMessages(ms =>
        ms.map(x =>
          x.id === m.id ? { ...x, feedback: next ?? undefined } : x,
        ),
      );
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <Drawer
      anchor="right"
      variant="persistent"
      open={props.open}
      PaperProps={{
        style: { width: 440, maxWidth: '100vw' },
        'aria-label': 'Assistant',
      }}
    >
      <Box display="flex" flexDirection="column" height="100%" p={2}>
        <Box display="flex" alignItems="center">
          <Typography variant="h6" style={{ flex: 1 }}>
            Assistant
          </Typography>
          <IconButton aria-label="Close the assistant" onClick={props.onClose}>
            <CloseIcon />
          </IconButton>
        </Box>
        {info && (
          <Typography
            variant="caption"
            color="textSecondary"
            data-testid="assistant-model"
          >
            {info.model
              ? `${
                  info.model.standIn
                    ? 'Sandbox stand-in (deterministic, not a model)'
                    : `Model: ${info.model.name}`
                }. Tools run with your permissions; actions need your approval.`
              : 'No model configured: answers are the offline brief.'}
          </Typography>
        )}
        <Box display="flex" alignItems="center" my={1}>
          <Select
            value={conversationId ?? ''}
            displayEmpty
            onChange={e => open((e.target.value as string) || undefined)}
            style={{ flex: 1 }}
            inputProps={{ 'aria-label': 'Conversations' }}
          >
            <MenuItem value="">New conversation</MenuItem>
            {conversations.map(c => (
              <MenuItem key={c.id} value={c.id}>
                {c.title}
              </MenuItem>
            ))}
          </Select>
          {conversationId && (
            <IconButton
              aria-label="Delete this conversation"
              onClick={async () => {
                try {
                  await api.deleteConversation(conversationId);
                  await open(undefined);
                  refreshList();
                } catch (e) {
                  setError(errorText(e));
                }
              }}
            >
              <DeleteIcon />
            </IconButton>
          )}
        </Box>
        {props.entityRef && (
          <Chip
            size="small"
            label={`About ${props.entityRef}`}
            style={{ alignSelf: 'flex-start' }}
          />
        )}
        <Box flex={1} overflow="auto" my={1} aria-live="polite">
          {messages.map((m, i) => (
            <MessageView
              key={`${m.id}-${i}`}
              message={m}
              onApprove={approve}
              onFeedback={
                m.role === 'assistant' && m.id !== 'pending'
                  ? f => feedback(m, f)
                  : undefined
              }
            />
          ))}
          {busy && <LinearProgress />}
        </Box>
        {error && (
          <Typography color="error" variant="body2" role="alert">
            {error}
          </Typography>
        )}
        <TextField
          multiline
          minRows={2}
          variant="outlined"
          placeholder={
            props.entityRef
              ? `Ask about ${props.entityRef}…`
              : 'Ask about a service…'
          }
          value={text}
          inputProps={{
            'aria-label': 'Question',
            maxLength: info?.maxInputChars,
          }}
          onChange={e => setText(e.target.value)}
          onKeyDown={e => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              send();
            }
          }}
        />
        {/* Clear of the fixed "SANDBOX DATA" label in the bottom right corner. */}
        <Box display="flex" justifyContent="flex-start" mt={1} mb={4}>
          <Button
            variant="contained"
            color="primary"
            disabled={busy || !text.trim()}
            onClick={send}
          >
            Ask
          </Button>
        </Box>
      </Box>
    </Drawer>
  );
}
