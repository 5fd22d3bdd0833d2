import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { backendContext } from '$lib/backend';
import { FakeBackend } from '$lib/backend/fake';
import Home from './Home.svelte';

function renderHome(backend: FakeBackend) {
  return render(Home, { context: backendContext(backend) });
}

describe('Home', () => {
  it('shows the version and data directory the backend reports', async () => {
    const backend = new FakeBackend({
      appInfo: { name: 'Beatbook', version: '9.8.7', data_dir: '/var/lib/beatbook' },
    });
    renderHome(backend);

    expect(await screen.findByTestId('app-version')).toHaveTextContent('9.8.7');
    expect(screen.getByTestId('data-dir')).toHaveTextContent('/var/lib/beatbook');
    expect(backend.calls).toEqual(['appInfo']);
  });

  it('shows a BackendError as its message and code, and can try again', async () => {
    const backend = new FakeBackend({
      failures: { appInfo: { code: 'data_dir_unavailable', message: 'The data folder cannot be opened.' } },
    });
    renderHome(backend);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The data folder cannot be opened.');
    expect(alert).toHaveTextContent('data_dir_unavailable');
    expect(screen.queryByTestId('app-version')).not.toBeInTheDocument();

    backend.failWith('appInfo', undefined);
    await userEvent.click(screen.getByRole('button', { name: 'Try loading app details again' }));

    expect(await screen.findByTestId('app-version')).toHaveTextContent('0.0.0-fake');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('tells the officer to escalate a threat to life by radio', () => {
    renderHome(new FakeBackend());
    expect(screen.getByText(/escalate by radio/)).toBeInTheDocument();
  });
});
