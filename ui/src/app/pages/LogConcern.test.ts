import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEMO_AREAS } from '$lib/backend/demo-areas';
import { FakeBackend } from '$lib/backend/fake';
import App from '../App.svelte';

beforeEach(() => {
  history.replaceState(null, '', '#/home');
  localStorage.clear();
});

describe('typing a place sets the location', () => {
  it('offers matching streets and landmarks from the gazetteer; tapping one sets the point', async () => {
    const backend = new FakeBackend({ areas: DEMO_AREAS });
    render(App, { props: { backend } });
    const user = userEvent.setup();

    await user.click(await screen.findByRole('link', { name: 'Log a concern' }));
    await screen.findByRole('heading', { level: 1, name: 'Log a concern' });
    await waitFor(() => expect(backend.argsOf('areasAll').length).toBeGreaterThan(0));

    // One letter offers nothing yet.
    await user.type(screen.getByLabelText('Place'), 'c');
    expect(screen.queryByTestId('place-matches')).not.toBeInTheDocument();

    await user.type(screen.getByLabelText('Place'), 'amden high');
    const list = await screen.findByRole('list', { name: 'Matching places' });
    const offered = within(list).getAllByRole('button');
    expect(offered.length).toBeGreaterThan(0);
    expect(offered.length).toBeLessThanOrEqual(6);
    const high = within(list).getByRole('button', { name: /^Camden High Street, by Camden Town station, Camden Town \((ward|town centre)\)$/ });

    await user.click(high);
    expect(screen.getByLabelText('Latitude')).toHaveValue(51.5392);
    expect(screen.getByLabelText('Longitude')).toHaveValue(-0.1426);
    expect(screen.getByLabelText('Place')).toHaveValue('Camden High Street, by Camden Town station');
    expect(screen.queryByTestId('place-matches')).not.toBeInTheDocument();
    await waitFor(() => expect(backend.argsOf('areasAt').at(-1)).toEqual([51.5392, -0.1426]));

    // The officer can carry on typing: the list comes back for what they type.
    await user.type(screen.getByLabelText('Place'), ' x');
    expect(screen.queryByTestId('place-matches')).not.toBeInTheDocument();
    await user.clear(screen.getByLabelText('Place'));
    await user.type(screen.getByLabelText('Place'), 'lock');
    expect(await screen.findByRole('button', { name: /^Camden Lock Market, / })).toBeInTheDocument();
  });
});
