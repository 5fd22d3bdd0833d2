import { render, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeBackend } from '$lib/backend/fake';
import App from '../App.svelte';

beforeEach(() => {
  history.replaceState(null, '', '#/home');
  localStorage.clear();
});

describe("the tablet's clock on Home", () => {
  it('tells the officer in words when the clock is wrong', async () => {
    const backend = new FakeBackend();
    backend.clockAheadMs = 23 * 3_600_000;
    render(App, { props: { backend } });
    await screen.findByRole('heading', { level: 1, name: 'Home' });
    expect(await screen.findByTestId('clock-warning')).toHaveTextContent(
      "This tablet's clock is 23 hours fast. Changes are stamped with HQ's time until it is corrected",
    );
  });

  it('says nothing when the clock is right', async () => {
    const backend = new FakeBackend();
    backend.clockAheadMs = -30_000;
    render(App, { props: { backend } });
    await screen.findByTestId('officer-name');
    expect(screen.queryByTestId('clock-warning')).toBeNull();
  });
});
