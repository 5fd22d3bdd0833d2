import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeBackend } from '$lib/backend/fake';
import App from '../App.svelte';

beforeEach(() => {
  history.replaceState(null, '', '#/settings');
  localStorage.clear();
});

describe('Settings', () => {
  it('shows the tile server and the longest auto-lock as HQ set them, read only, with no "never"', async () => {
    const tiles = 'https://tiles.example/{z}/{x}/{y}.png';
    const backend = new FakeBackend();
    backend.answer('settings', { auto_lock_minutes: 5, tile_url: tiles, max_auto_lock_minutes: 10 });
    render(App, { props: { backend } });
    const minutes = await screen.findByLabelText('Auto-lock minutes');
    expect(await screen.findByTestId('auto-lock-limit')).toHaveTextContent('1 to 10 minutes: HQ sets the longest.');
    expect(minutes).toHaveAttribute('min', '1');
    expect(minutes).toHaveAttribute('max', '10');
    expect(screen.queryByText(/never/i)).toBeNull();
    // No box to type a tile server into: it is HQ's, shown in About.
    expect(screen.queryByRole('textbox')).toBeNull();
    expect(screen.getByTestId('tile-server')).toHaveTextContent('From the tile server HQ set');
    const about = screen.getByRole('region', { name: 'About' });
    expect(within(about).getByText(tiles)).toBeInTheDocument();

    const user = userEvent.setup();
    await user.clear(minutes);
    await user.type(minutes, '7');
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText(/Settings saved: this tablet locks after 7 minutes/)).toBeInTheDocument();
    expect(backend.argsOf('saveSettings')).toEqual([[{ auto_lock_minutes: 7, tile_url: tiles, max_auto_lock_minutes: 10 }]]);
  });

  it("tells the officer in words when the tablet's clock is wrong, and nothing when it is right", async () => {
    const backend = new FakeBackend();
    backend.clockAheadMs = 23 * 3_600_000 - 4_000;
    render(App, { props: { backend } });
    expect(await screen.findByTestId('clock-warning')).toHaveTextContent(
      "This tablet's clock is 23 hours fast. Changes are stamped with HQ's time until it is corrected: set the tablet's date and time.",
    );
  });

  it('says a slow clock is slow, and stays quiet within a minute or so of HQ', async () => {
    const backend = new FakeBackend();
    backend.clockAheadMs = -5 * 60_000;
    const { unmount } = render(App, { props: { backend } });
    expect(await screen.findByTestId('clock-warning')).toHaveTextContent("This tablet's clock is 5 minutes slow.");
    unmount();
    const right = new FakeBackend();
    right.clockAheadMs = 40_000;
    render(App, { props: { backend: right } });
    await screen.findByLabelText('Auto-lock minutes');
    expect(screen.queryByTestId('clock-warning')).toBeNull();
  });
});
