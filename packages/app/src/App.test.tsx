import { render, screen } from '@testing-library/react';
import App from './App';

jest.setTimeout(30_000);

describe('App', () => {
  it('starts on the Portolan sign-in page with the configured providers', async () => {
    process.env = {
      NODE_ENV: 'test',
      APP_CONFIG: [
        {
          data: {
            app: { title: 'Portolan' },
            backend: { baseUrl: 'http://localhost:7007' },
            portolan: { signIn: { providers: ['guest'] } },
          },
          context: 'test',
        },
      ] as any,
    };

    render(App.createRoot());

    // Lazily loaded plugins are fetched before the first render.
    expect(
      await screen.findByText('Sign in to Portolan', {}, { timeout: 20_000 }),
    ).toBeInTheDocument();
    expect(await screen.findByText('Guest')).toBeInTheDocument();
  });
});
