import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Board, HqApi, OfficerBreakdown, Period } from '../api';
import Framework from './Framework.svelte';

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
