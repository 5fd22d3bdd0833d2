import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Board, Cell, HqApi, OfficerBreakdown, Period } from '../api';
import type { ActionsApi } from '../actions-api';
import Framework from './Framework.svelte';
import { closedAction, fakeActions, patrolAction, refused } from './improvement-fixtures';

function boardFor(p: Period): Board {
  const month = p.period === 'last_month';
  return {
    force: 'Metropolitan Police Service',
    from: '',
    to: '',
    first_day: month ? '2026-11-01' : '2026-11-10',
    last_day: month ? '2026-11-30' : '2026-12-07',
    previous_first_day: month ? '2026-10-02' : '2026-10-13',
    previous_last_day: month ? '2026-10-31' : '2026-11-09',
    by: 'team',
    measures: [{ id: 'patrol_hours_peak', label: 'Hotspot patrol hours per week at peak times', unit: 'hours a week' }],
    rows: [
      {
        id: 'camden-tct',
        name: 'Camden Town Centre Team',
        kind: 'tct',
        officers: true,
        cells: [{ measure: 'patrol_hours_peak', value: 12.5, target: 20, rag: 'red', records: 4, previous: 15, change: 'down', action: null, unaddressed: true }],
      },
      {
        id: 'dalston-snt',
        name: 'Dalston SNT',
        kind: 'snt',
        officers: false,
        cells: [{ measure: 'patrol_hours_peak', value: 7, target: 6, rag: 'green', records: 2, previous: 5, change: 'up', action: null, unaddressed: false }],
      },
    ],
  };
}

const breakdown: OfficerBreakdown = {
  team: 'camden-tct',
  team_name: 'Camden Town Centre Team',
  first_day: '2026-11-01',
  last_day: '2026-11-30',
  measures: [{ id: 'patrol_hours_peak', label: 'Hotspot patrol hours per week at peak times', unit: 'hours a week' }],
  officers: [{ name: 'PC Amira Khan', collar_number: 'PC4127', cells: [{ measure: 'patrol_hours_peak', value: 3.5, records: 2, rag: null }] }],
};

function api(): HqApi {
  return {
    board: vi.fn(async (p: Period) => boardFor(p)),
    overlaps: vi.fn(async () => []),
    teamOfficers: vi.fn(async () => breakdown),
    boardCsvUrl: (p: Period) => `/api/v1/hq/framework.csv?period=${p.period ?? ''}`,
  } as unknown as HqApi;
}

describe('the performance framework page', () => {
  it('asks for a calendar month by name and shows its days in the From and To boxes, with the change in words', async () => {
    const a = api();
    render(Framework, { props: { api: a, role: 'supervisor' } });
    await screen.findByText(/Showing 10 Nov 2026 to 7 Dec 2026, compared with 13 Oct 2026 to 9 Nov 2026/);
    expect(screen.getByLabelText('From', { exact: true })).toHaveValue('2026-11-10');
    const cell = screen.getAllByRole('cell')[0];
    expect(cell).toHaveTextContent('12.5 hours a week');
    expect(cell).toHaveTextContent('Target 20 hours a week');
    expect(cell).toHaveTextContent('Down from 15 hours a week');

    await userEvent.setup().selectOptions(screen.getByLabelText('Period'), 'Last month');
    await screen.findByText(/Showing 1 Nov 2026 to 30 Nov 2026, compared with 2 Oct 2026 to 31 Oct 2026/);
    expect(a.board).toHaveBeenLastCalledWith({ period: 'last_month', by: 'team' });
    expect(screen.getByLabelText('From', { exact: true })).toHaveValue('2026-11-01');
    expect(screen.getByLabelText('To', { exact: true })).toHaveValue('2026-11-30');
    expect(a.overlaps).toHaveBeenLastCalledWith({ from: '2026-11-01', to: '2026-11-30' });
    expect(screen.getByRole('link', { name: 'Board pack (CSV)' })).toHaveAttribute('href', '/api/v1/hq/framework.csv?period=last_month');
  });

  it('never shows an older period over a newer one when its answer arrives last', async () => {
    const a = api();
    // The first board (the last 28 days) is slow: it answers after "Last month" has.
    let answerFirst: () => void = () => {};
    const board = vi.fn(async (p: Period) => {
      if (board.mock.calls.length === 1) await new Promise<void>((r) => (answerFirst = r));
      return boardFor(p);
    });
    a.board = board;
    render(Framework, { props: { api: a, role: 'supervisor' } });
    await userEvent.setup().selectOptions(screen.getByLabelText('Period'), 'Last month');
    await screen.findByText(/Showing 1 Nov 2026 to 30 Nov 2026/);
    answerFirst();
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.getByText(/Showing 1 Nov 2026 to 30 Nov 2026/)).toBeInTheDocument();
    expect(screen.getByLabelText('From', { exact: true })).toHaveValue('2026-11-01');
  });

  it("offers a team's officers only where the supervisor may see them, by name", async () => {
    const a = api();
    render(Framework, { props: { api: a, role: 'supervisor' } });
    const buttons = await screen.findAllByRole('button', { name: /figures officer by officer/ });
    expect(buttons.map((b) => b.getAttribute('aria-label'))).toEqual(['Camden Town Centre Team: figures officer by officer']);
    await userEvent.setup().click(buttons[0]!);
    const region = await screen.findByRole('region', { name: 'Officer by officer' });
    expect(within(region).getByRole('row', { name: /PC Amira Khan/ })).toHaveTextContent('3.5 hours a week');
    expect(within(region).getByRole('row', { name: /PC Amira Khan/ })).toHaveTextContent('2 records');
    await waitFor(() => expect(a.teamOfficers).toHaveBeenCalledWith('camden-tct', { period: 'last_28_days', by: 'team' }));
  });
});

describe('improvement actions on the board', () => {
  const marked = (): Board => ({
    ...boardFor({ period: 'last_28_days' }),
    measures: [
      { id: 'patrol_hours_peak', label: 'Hotspot patrol hours per week at peak times', unit: 'hours a week' },
      { id: 'concerns_closed', label: 'Concerns closed (%)', unit: '%' },
      { id: 'engagements_per_month', label: 'Engagement events per month', unit: 'events a month' },
    ],
    rows: [
      {
        id: 'camden-tct',
        name: 'Camden Town Centre Team',
        kind: 'tct',
        officers: true,
        cells: [
          // Red with an action whose review date has passed.
          {
            measure: 'patrol_hours_peak', value: 12.5, target: 20, rag: 'red', records: 4, previous: 15, change: 'down',
            action: { id: patrolAction.id, status: 'on_track', due_on: '2027-01-31', review_on: '2026-12-01', overdue: false, review_overdue: true },
            unaddressed: false,
          },
          // Red with none.
          { measure: 'concerns_closed', value: 40, target: 60, rag: 'red', records: 5, previous: 45, change: 'down', action: null, unaddressed: true },
          // Amber with none: may be addressed, is not flagged.
          { measure: 'engagements_per_month', value: 3.8, target: 4, rag: 'amber', records: 3, previous: 3, change: 'up', action: null, unaddressed: false },
        ],
      },
      {
        id: 'dalston-snt',
        name: 'Dalston SNT',
        kind: 'snt',
        officers: false,
        cells: [
          { measure: 'patrol_hours_peak', value: 2, target: 6, rag: 'red', records: 1, previous: 3, change: 'down', action: null, unaddressed: true },
          { measure: 'concerns_closed', value: 70, target: 60, rag: 'green', records: 5, previous: 60, change: 'up', action: null, unaddressed: false },
          { measure: 'engagements_per_month', value: 7, target: 6, rag: 'green', records: 7, previous: 6, change: 'up', action: null, unaddressed: false },
        ],
      },
    ],
  });

  function markedApi(boards: Board[] = [marked()]): HqApi {
    let n = 0;
    return {
      ...api(),
      board: vi.fn(async () => boards[Math.min(n++, boards.length - 1)]!),
      teamOfficers: vi.fn(async () => ({
        ...breakdown,
        officers: [
          { name: 'PS Helen Doyle', collar_number: 'PS1102', cells: [] },
          { name: 'PC Amira Khan', collar_number: 'PC4127', cells: [] },
        ],
      })),
    } as HqApi;
  }

  it('marks a cell with its open action, a red one with none, and an overdue review, in words', async () => {
    render(Framework, { props: { api: markedApi(), role: 'supervisor', actions: fakeActions() } });
    const camden = (await screen.findAllByRole('row', { name: /Camden Town Centre Team/ }))[0]!;
    const [patrol, closed, engagements] = within(camden).getAllByRole('cell');
    expect(patrol).toHaveTextContent('Action on track, due 31 Jan 2027');
    expect(patrol).toHaveTextContent('Review overdue');
    expect(within(patrol!).getByRole('link', { name: 'Action on track, due 31 Jan 2027' })).toHaveAttribute('href', `#/actions/${patrolAction.id}`);
    expect(within(patrol!).queryByRole('button', { name: /open an improvement action/ })).toBeNull();
    expect(closed).toHaveTextContent('Failure not yet addressed');
    expect(engagements).not.toHaveTextContent('Failure not yet addressed');
    // Red and amber cells of a team the supervisor supervises, without an action, can have one.
    expect(screen.getAllByRole('button', { name: /open an improvement action/ }).map((b) => b.getAttribute('aria-label'))).toEqual([
      'Camden Town Centre Team, Concerns closed (%): open an improvement action',
      'Camden Town Centre Team, Engagement events per month: open an improvement action',
    ]);
    const dalston = screen.getAllByRole('row', { name: /Dalston SNT/ })[0]!;
    expect(within(dalston).getAllByRole('cell')[0]).toHaveTextContent('Failure not yet addressed');
  });

  it('offers no action to an analyst', async () => {
    render(Framework, { props: { api: markedApi(), role: 'analyst', actions: fakeActions() } });
    await screen.findAllByText('Failure not yet addressed');
    expect(screen.queryByRole('button', { name: /open an improvement action/ })).toBeNull();
  });

  it('opens an action from a red cell: the figure shown, the owner by name, field errors by their field, then the mark', async () => {
    const after = marked();
    const closedCell = after.rows[0]!.cells[1] as Cell;
    closedCell.action = { id: 'new-action', status: 'open', due_on: '2027-02-28', review_on: '2027-01-15', overdue: false, review_overdue: false };
    closedCell.unaddressed = false;
    const a = markedApi([marked(), after]);
    const open = vi
      .fn<ActionsApi['open']>()
      .mockRejectedValueOnce(
        refused('bad_request', 'The action was not opened', [
          { field: 'owner', code: 'required', message: 'an owner is needed' },
          { field: 'due_on', code: 'required', message: 'a due date is needed' },
        ]),
      )
      .mockResolvedValueOnce({ ...closedAction, closure: null, status: 'open', owner_name: 'PC Amira Khan', due_on: '2027-02-28', review_on: '2027-01-15' });
    render(Framework, { props: { api: a, role: 'supervisor', actions: fakeActions({ open }) } });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Camden Town Centre Team, Concerns closed (%): open an improvement action' }));

    const dialog = await screen.findByRole('dialog', { name: 'Open an improvement action' });
    expect(dialog).toHaveTextContent('Camden Town Centre Team');
    expect(dialog).toHaveTextContent('Concerns closed (%)');
    expect(dialog).toHaveTextContent('40% (below target), 10 Nov 2026 to 7 Dec 2026');
    expect(dialog).toHaveTextContent('Target 60%');
    const owner = within(dialog).getByLabelText(/Owner/);
    await waitFor(() => expect(within(owner).getAllByRole('option').map((o) => o.textContent)).toEqual(['Choose an officer', 'PC Amira Khan', 'PS Helen Doyle']));
    expect(a.teamOfficers).toHaveBeenCalledWith('camden-tct', { from: '2026-11-10', to: '2026-12-07' });

    await user.type(within(dialog).getByLabelText('What will be done'), 'Weekly review of open concerns at the team briefing');
    await user.click(within(dialog).getByRole('button', { name: 'Open the action' }));
    expect(owner.closest('label')).toHaveTextContent('An owner is needed.');
    expect(owner).toHaveAttribute('aria-invalid', 'true');
    expect(within(dialog).getByLabelText(/Due date/).closest('label')).toHaveTextContent('A due date is needed.');
    expect(within(dialog).getByLabelText('What will be done')).toHaveValue('Weekly review of open concerns at the team briefing');

    await user.selectOptions(owner, 'PC Amira Khan');
    // A field's refusal goes once the field is changed; the others stay until theirs are.
    expect(owner.closest('label')).not.toHaveTextContent('An owner is needed.');
    expect(owner).not.toHaveAttribute('aria-invalid');
    expect(within(dialog).getByLabelText(/Due date/).closest('label')).toHaveTextContent('A due date is needed.');
    await user.type(within(dialog).getByLabelText(/Due date/), '2027-02-28');
    await user.type(within(dialog).getByLabelText(/Review date/), '2027-01-15');
    await user.click(within(dialog).getByRole('button', { name: 'Open the action' }));
    expect(open).toHaveBeenLastCalledWith({
      team_id: 'camden-tct',
      measure: 'concerns_closed',
      period_first_day: '2026-11-10',
      period_last_day: '2026-12-07',
      what: 'Weekly review of open concerns at the team briefing',
      owner: 'PC4127',
      due_on: '2027-02-28',
      review_on: '2027-01-15',
    });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.getByText(/^Action opened/)).toHaveTextContent('Action opened for Camden Town Centre Team, Concerns closed (%): owner PC Amira Khan, due 28 Feb 2027, review 15 Jan 2027.');
    const cell = within(screen.getAllByRole('row', { name: /Camden Town Centre Team/ })[0]!).getAllByRole('cell')[1];
    expect(cell).toHaveTextContent('Action open, due 28 Feb 2027');
    expect(cell).not.toHaveTextContent('Failure not yet addressed');
  });
});
