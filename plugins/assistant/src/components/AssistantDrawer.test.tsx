import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import type {
  AssistantMessage,
  AssistantProposal,
} from '@portolan/plugin-assistant-common';
import { AssistantApi, assistantApiRef } from '../api/AssistantClient';
import { AssistantDrawer } from './AssistantDrawer';
import { entityRefOfPath } from './AssistantLauncher';

const proposal: AssistantProposal = {
  id: 'p1',
  conversationId: 'c1',
  kind: 'rollout',
  action: 'abort',
  entityRef: 'component:default/checkout-service',
  cluster: 'prod-eu',
  namespace: 'payments',
  rollout: 'checkout-service',
  environment: 'prod',
  resourceVersion: '41',
  basedOn: 'Paused, step 2 of 6',
  reason: 'errors',
  expiresAt: '2026-11-20T10:05:00Z',
  approvable: true,
  status: 'open',
};

const answer: AssistantMessage = {
  id: 'm2',
  role: 'assistant',
  content: 'The canary fails its analysis.',
  createdAt: '2026-11-20T10:00:00Z',
  tools: [
    {
      tool: 'delivery:get-rollouts',
      input: { entityRef: 'component:default/checkout-service' },
      ok: true,
    },
  ],
  sources: [
    {
      title: 'canary tab (delivery:get-rollouts)',
      url: '/catalog/default/component/checkout-service/canary',
      tool: 'delivery:get-rollouts',
    },
  ],
  proposals: [proposal],
  model: { name: 'portolan-sandbox', standIn: true },
};

function fakeApi(overrides: Partial<AssistantApi> = {}): AssistantApi {
  return {
    info: async () => ({
      model: { name: 'portolan-sandbox', standIn: true },
      maxInputChars: 2000,
    }),
    listConversations: async () => [],
    getConversation: jest.fn(),
    deleteConversation: jest.fn(),
    setFeedback: jest.fn(async () => {}),
    approve: jest.fn(async () => ({
      ...proposal,
      status: 'approved' as const,
      approvable: false,
      outcome: 'abort of checkout-service in prod done',
    })),
    ask: jest.fn(async (_params, onEvent) => {
      onEvent({ type: 'conversation', conversationId: 'c1', messageId: 'm1' });
      onEvent({ type: 'token', text: 'The canary ' });
      onEvent({ type: 'proposal', proposal });
      onEvent({ type: 'done', message: answer });
    }),
    ...overrides,
  };
}

describe('AssistantDrawer', () => {
  it('knows the entity of a catalog page', () => {
    expect(
      entityRefOfPath('/catalog/default/component/checkout-service/canary'),
    ).toBe('component:default/checkout-service');
    expect(entityRefOfPath('/deployments')).toBeUndefined();
  });

  it('streams an answer with its tools, sources and a proposal the user approves', async () => {
    const api = fakeApi();
    await renderInTestApp(
      <TestApiProvider apis={[[assistantApiRef, api]]}>
        <AssistantDrawer
          open
          onClose={() => {}}
          entityRef="component:default/checkout-service"
        />
      </TestApiProvider>,
    );
    expect(
      await screen.findByText(
        /Sandbox stand-in \(deterministic, not a model\)/,
      ),
    ).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Question'), {
      target: { value: 'why did the canary fail?' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Ask' }));
    expect(
      await screen.findByText('The canary fails its analysis.'),
    ).toBeInTheDocument();
    expect(api.ask).toHaveBeenCalledWith(
      {
        conversationId: undefined,
        entityRef: 'component:default/checkout-service',
        text: 'why did the canary fail?',
      },
      expect.any(Function),
    );
    expect(
      screen.getByText('Sandbox stand-in, not a model'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: 'canary tab (delivery:get-rollouts)' }),
    ).toHaveAttribute(
      'href',
      '/catalog/default/component/checkout-service/canary',
    );
    expect(screen.getByText(/✓ delivery:get-rollouts/)).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Approve abort' }));
    await waitFor(() => expect(api.approve).toHaveBeenCalledWith('p1'));
    expect(
      await screen.findByText(
        /approved: abort of checkout-service in prod done/,
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Approve abort' })).toBeNull();
  });

  it('shows why a proposal is not approvable, and no button', async () => {
    const api = fakeApi({
      ask: jest.fn(async (_p, onEvent) => {
        onEvent({
          type: 'done',
          message: {
            ...answer,
            proposals: [
              {
                ...proposal,
                approvable: false,
                notApprovableReason:
                  'You may not abort rollouts of component:default/checkout-service.',
              },
            ],
          },
        });
      }),
    });
    await renderInTestApp(
      <TestApiProvider apis={[[assistantApiRef, api]]}>
        <AssistantDrawer open onClose={() => {}} />
      </TestApiProvider>,
    );
    fireEvent.change(screen.getByLabelText('Question'), {
      target: { value: 'abort it' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Ask' }));
    expect(
      await screen.findByText(/Not approvable: You may not abort/),
    ).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Approve/ })).toBeNull();
  });
});
