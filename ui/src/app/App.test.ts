import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeBackend } from '$lib/backend/fake';
import App from './App.svelte';
import { PAGES } from './routes';

beforeEach(() => {
  history.replaceState(null, '', '#/home');
  localStorage.clear();
  delete document.documentElement.dataset['theme'];
});

function renderApp() {
  return render(App, { props: { backend: new FakeBackend() } });
}

describe('App shell', () => {
  it('shows the app name, the "Not enrolled" sync state and Home', async () => {
    renderApp();

    expect(screen.getByRole('banner')).toHaveTextContent('Beatbook');
    expect(screen.getByRole('status', { name: /Sync status: Not enrolled/ })).toHaveTextContent('Not enrolled');
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Home');
    expect(await screen.findByTestId('app-version')).toHaveTextContent('0.0.0-fake');
  });

  it('offers every page in the main navigation, Home current', () => {
    renderApp();

    const nav = screen.getByRole('navigation', { name: 'Main' });
    const links = within(nav).getAllByRole('link');
    expect(links.map((link) => link.textContent?.trim())).toEqual(PAGES.map((page) => page.label));
    expect(within(nav).getByRole('link', { name: 'Home' })).toHaveAttribute('aria-current', 'page');
  });

  it('navigates to a page that is not built yet and says so', async () => {
    renderApp();

    await userEvent.click(screen.getByRole('link', { name: 'Patrol' }));

    const heading = await screen.findByRole('heading', { level: 1, name: 'Patrol' });
    expect(screen.getByText('Coming in a later release')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Patrol' })).toHaveAttribute('aria-current', 'page');
    expect(screen.getByRole('link', { name: 'Home' })).not.toHaveAttribute('aria-current');
    expect(heading).toHaveFocus();
  });

  it('flips data-theme on the root element with the theme toggle, and remembers it', async () => {
    renderApp();
    const root = document.documentElement;
    expect(root.dataset['theme']).toBe('dark');

    await userEvent.click(screen.getByRole('button', { name: 'Switch to light theme' }));
    expect(root.dataset['theme']).toBe('light');
    expect(localStorage.getItem('beatbook.theme')).toBe('light');

    await userEvent.click(screen.getByRole('button', { name: 'Switch to dark theme' }));
    expect(root.dataset['theme']).toBe('dark');
  });

  it('gives every control an aria-label', () => {
    const { baseElement } = renderApp();
    const controls = baseElement.querySelectorAll('a, button, input, select, textarea, [role="button"]');
    expect(controls.length).toBeGreaterThan(PAGES.length);
    for (const control of controls) {
      expect(control.getAttribute('aria-label')?.trim(), control.outerHTML).toBeTruthy();
    }
  });
});
