import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Board, HqApi } from '../api';
import type { ActionsApi, ActionView } from '../actions-api';
import { refusingApi } from '../test-api';
import Hq from '../Hq.svelte';
import Actions from './Actions.svelte';
import { closedAction, fakeActions, patrolAction, refused } from './improvement-fixtures';

const board = {
  measures: [
    { id: 'patrol_hours_peak', label: 'Hotspot patrol hours per week at peak times', unit: 'hours a week' },
    { id: 'concerns_closed', label: 'Concerns closed (%)', unit: '%' },
  ],
  rows: [],
} as unknown as Board;

const hq = (): HqApi => refusingApi({ board: async () => board });

/** Every id, ISO date, code or piece of JSON a page must never show. */
function expectOnlyWords() {
  const text = document.body.textContent ?? '';
  expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/i);
  expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  expect(text).not.toMatch(/[{}[\]"]|null|undefined|_/);
}

describe('Improvement actions', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-07T12:00:00Z'));
    history.replaceState(null, '', '#/actions');
  });
  afterEach(() => vi.useRealTimers());

  it('lists the actions in words: team, measure, status, owner, due, review and what is late', async () => {
    const actions = fakeActions({ actions: vi.fn(async () => [patrolAction, { ...patrolAction, id: 'b', team_name: 'Dalston SNT', status: 'off_track' as const, overdue: true, review_overdue: false }]) });
    render(Actions, { props: { api: hq(), role: 'supervisor', actions } });
    const table = await screen.findByRole('table', { name: 'Improvement actions' });
    const row = within(table).getByRole('row', { name: /Camden Town Centre Team/ });
    expect(row).toHaveTextContent('Hotspot patrol hours per week at peak times');
    expect(row).toHaveTextContent('On track');
    expect(row).toHaveTextContent('PS Helen Doyle');
    expect(row).toHaveTextContent('31 Jan 2027');
    expect(row).toHaveTextContent('1 Dec 2026');
    expect(row).toHaveTextContent('Review overdue');
    const late = within(table).getByRole('row', { name: /Dalston SNT/ });
    expect(late).toHaveTextContent('Off track');
    expect(late).toHaveTextContent('Past its due date');
    expect(actions.actions).toHaveBeenCalledWith({ state: 'open' });
    expectOnlyWords();

    await userEvent.setup().selectOptions(screen.getByLabelText('Show'), 'Closed');
    await waitFor(() => expect(actions.actions).toHaveBeenLastCalledWith({ state: 'closed' }));
  });

  it('says when there are none, and where they come from', async () => {
    render(Actions, { props: { api: hq(), role: 'supervisor', actions: fakeActions() } });
    expect(await screen.findByText(/No improvement actions are open/)).toHaveTextContent('Open one from a red or amber cell of the performance framework.');
  });

  it('shows one action with its updates, and adds progress', async () => {
    const added: ActionView = {
      ...patrolAction,
      status: 'off_track',
      updates: [...patrolAction.updates, { note: 'Two patrols cancelled for events', progress: 'off_track', at: '2026-12-07T11:00:00Z', author_name: 'PS Helen Doyle' }],
    };
    const addUpdate = vi.fn<ActionsApi['addUpdate']>().mockRejectedValueOnce(refused('bad_request', 'The update was not added', [{ field: 'note', code: 'required', message: 'the update is needed' }])).mockResolvedValueOnce(added);
    const actions = fakeActions({ actions: vi.fn(async () => [patrolAction]), action: vi.fn(async () => patrolAction), addUpdate });
    render(Actions, { props: { api: hq(), role: 'supervisor', actions } });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Camden Town Centre Team, Hotspot patrol hours per week at peak times: open the action' }));
    const view = await screen.findByRole('region', { name: 'Camden Town Centre Team: Hotspot patrol hours per week at peak times' });
    expect(actions.action).toHaveBeenCalledWith(patrolAction.id);
    expect(location.hash).toBe(`#/actions/${patrolAction.id}`);
    expect(view).toHaveTextContent('Two extra hotspot patrols on Friday and Saturday nights around the station');
    expect(view).toHaveTextContent('12.5 hours a week against a target of 20 hours a week, 1 Nov 2026 to 30 Nov 2026');
    expect(view).toHaveTextContent('Review overdue');
    const updates = within(view).getByRole('list', { name: 'Progress updates' });
    expect(updates).toHaveTextContent('20 Nov 2026, 21:30, PC Amira Khan');
    expect(updates).toHaveTextContent('On track');
    expect(updates).toHaveTextContent('First Friday patrol done; street drinking down');
    expectOnlyWords();

    const form = within(view).getByRole('form', { name: 'Add progress' });
    await user.click(within(form).getByRole('button', { name: 'Add the update' }));
    expect(within(form).getByLabelText(/What has been done/).closest('label')).toHaveTextContent('The update is needed.');
    await user.type(within(form).getByLabelText(/What has been done/), 'Two patrols cancelled for events');
    await user.click(within(form).getByRole('radio', { name: 'Off track' }));
    await user.click(within(form).getByRole('button', { name: 'Add the update' }));
    expect(addUpdate).toHaveBeenLastCalledWith(patrolAction.id, { note: 'Two patrols cancelled for events', progress: 'off_track' });
    expect(await screen.findByRole('status')).toHaveTextContent('Update added.');
    expect(within(view).getByRole('list', { name: 'Progress updates' })).toHaveTextContent('7 Dec 2026, 11:00, PS Helen Doyle');
    expect(view).toHaveTextContent('Off track');
  });

  it('closes an action: HQ says which month was not on target, then a reason closes it', async () => {
    const close = vi
      .fn<ActionsApi['close']>()
      .mockRejectedValueOnce(refused('bad_request', 'The action was not closed', [{ field: 'evidence', code: 'not_on_target', message: 'Nov 2026 was not on target (12.5 hours a week against 20)' }]))
      .mockResolvedValueOnce({
        ...patrolAction,
        status: 'done',
        review_overdue: false,
        closure: { evidence: { kind: 'reason', reason: 'The team was merged into Camden SNT' }, closed_on: '2026-12-07', closed_by: 'PS1102', closed_by_name: 'PS Helen Doyle' },
      });
    history.replaceState(null, '', `#/actions/${patrolAction.id}`);
    const actions = fakeActions({ action: vi.fn(async () => patrolAction), close });
    render(Actions, { props: { api: hq(), role: 'supervisor', actions } });
    const user = userEvent.setup();
    // Opened from its address (the board links there).
    const view = await screen.findByRole('region', { name: /Camden Town Centre Team/ });
    const form = within(view).getByRole('form', { name: 'Close the action' });
    expect(form).toHaveTextContent('HQ checks that Camden Town Centre Team was on target in each of the last 2 complete months.');
    await user.click(within(form).getByRole('button', { name: 'Close the action' }));
    expect(close).toHaveBeenLastCalledWith(patrolAction.id, { kind: 'back_on_target' });
    expect(await within(form).findByRole('alert')).toHaveTextContent('Nov 2026 was not on target (12.5 hours a week against 20).');

    await user.click(within(form).getByRole('radio', { name: 'Another reason' }));
    await user.type(within(form).getByLabelText(/Reason/), 'The team was merged into Camden SNT');
    await user.click(within(form).getByRole('button', { name: 'Close the action' }));
    expect(close).toHaveBeenLastCalledWith(patrolAction.id, { kind: 'reason', reason: 'The team was merged into Camden SNT' });
    expect(await screen.findByRole('status')).toHaveTextContent('Action closed.');
    expect(view).toHaveTextContent('Done');
    expect(view).toHaveTextContent('7 Dec 2026 by PS Helen Doyle. Closed for a reason: The team was merged into Camden SNT');
    // Nothing more to add to a closed action.
    expect(within(view).queryByRole('form')).toBeNull();
  });

  it('shows how a closed action was closed, month by month', async () => {
    history.replaceState(null, '', `#/actions/${closedAction.id}`);
    render(Actions, { props: { api: hq(), role: 'supervisor', actions: fakeActions({ action: async () => closedAction }) } });
    const view = await screen.findByRole('region', { name: /Concerns closed/ });
    expect(view).toHaveTextContent('3 Nov 2026 by PS Helen Doyle. Back on target for 2 months (Sept 2026 65%; Oct 2026 70%)');
    expectOnlyWords();
  });
});

describe("An action's address", () => {
  it('opens the actions page from the shell, as the board links to it', async () => {
    history.replaceState(null, '', `#/actions/${patrolAction.id}`);
    const api = refusingApi({ me: async () => ({ id: 'PS1102', collar_number: 'PS1102', name: 'PS Helen Doyle', role: 'supervisor', teams: ['camden-tct'] }) });
    render(Hq, { props: { api } });
    expect(await screen.findByRole('heading', { level: 1, name: 'Improvement actions' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Improvement actions' })).toHaveAttribute('aria-current', 'page');
    history.replaceState(null, '', '#/');
  });
});
