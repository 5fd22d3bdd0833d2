import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '$lib/backend';
import type { Officer } from '$lib/bindings/Officer';
import { HttpHqApi, pagesFor, type Board, type HqApi } from './api';
import Hq from './Hq.svelte';

const supervisor: Officer = { id: 'PS1102', collar_number: 'PS1102', name: 'PS Helen Doyle', role: 'supervisor', teams: [] };

const board: Board = {
  from: '2026-10-27T00:00:00Z',
  to: '2026-11-24T00:00:00Z',
  by: 'team',
  measures: [{ id: 'concerns_answered_72h', label: 'Concerns answered within 72 hours (%)' }],
  rows: [
    { id: 'camden-tct', name: 'Camden Town Centre Team', kind: 'tct', cells: [{ measure: 'concerns_answered_72h', value: 33.3, target: 90, rag: 'red', records: 3 }] },
  ],
};

function fakeApi(over: Partial<HqApi> = {}): HqApi {
  const refuse = () => Promise.reject(new BackendError({ code: 'forbidden', message: 'no' }));
  return {
    me: () => Promise.reject(new BackendError({ code: 'unauthorised', message: 'sign in' })),
    signIn: vi.fn(async (collar: string, password: string) => {
      if (collar === 'PS1102' && password === 'demo-password-1') return supervisor;
      throw new BackendError({ code: 'unauthorised', message: 'Sign in again: the collar number or password is wrong' });
    }),
    signOut: async () => {},
    board: async () => board,
    cell: async () => ({
      unit: 'camden-tct',
      measure: 'concerns_answered_72h',
      label: 'Concerns answered within 72 hours (%)',
      records: [
        { record: { id: 'r1', kind: 'concern', title: 'ASB: Not answered yet', status: 'open', occurred_at: '2026-11-23T10:00:00Z', areas: [], conflicts: [], pending_ops: 0, body: {} }, contribution: 0, met: false },
        { record: { id: 'r2', kind: 'concern', title: 'ASB: Answered the same day', status: 'closed', occurred_at: '2026-11-23T09:00:00Z', areas: [], conflicts: [], pending_ops: 0, body: {} }, contribution: 1, met: true },
      ],
    }),
    trend: async () => ({
      unit: 'camden-tct',
      measure: 'concerns_answered_72h',
      label: 'Concerns answered within 72 hours (%)',
      points: [
        { from: '2026-11-10T00:00:00Z', to: '2026-11-17T00:00:00Z', value: 100, target: 90, rag: 'green' },
        { from: '2026-11-17T00:00:00Z', to: '2026-11-24T00:00:00Z', value: 33.3, target: 90, rag: 'red' },
      ],
    }),
    overlaps: async () => [
      {
        tct: { id: 'camden-tct', name: 'Camden Town Centre Team' },
        town_centre: { id: 'tc-camden-town', name: 'Camden Town' },
        snts: [{ team: { id: 'camden-town-snt', name: 'Camden Town SNT' }, wards: [{ id: 'E05013655', name: 'Camden Town' }], shared_records: 4 }],
        joint_priorities: [{ id: 'p1', title: 'Street drinking by the station', area_id: 'E05013655', last_reviewed_on: '2026-07-01', overdue: true }],
      },
    ],
    boardCsvUrl: () => '/api/v1/hq/framework.csv',
    putTarget: refuse,
    queue: async () => [],
    report: refuse,
    grade: refuse,
    disseminate: refuse,
    teams: async () => [],
    areas: async () => [],
    officers: async () => [],
    putOfficer: refuse,
    devices: async () => [],
    revoke: refuse,
    enrolmentCode: refuse,
    audit: refuse,
    verifyChains: async () => [],
    subjectAccess: async () => [],
    ...over,
  };
}

beforeEach(() => {
  history.replaceState(null, '', '#');
});

describe('HQ dashboard', () => {
  it('signs a supervisor in, shows a red target and drills down to the records behind it', async () => {
    const api = fakeApi();
    render(Hq, { props: { api } });
    const user = userEvent.setup();
    await screen.findByRole('heading', { level: 1, name: 'Sign in to HQ' });
    await user.type(screen.getByLabelText('Collar number'), 'PS1102');
    await user.type(screen.getByLabelText('Password'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('collar number or password is wrong');

    await user.type(screen.getByLabelText('Password'), 'demo-password-1');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByRole('heading', { level: 1, name: 'Performance framework' });
    expect(screen.getByRole('navigation', { name: 'Dashboard' })).toHaveTextContent('Performance framework');
    expect(screen.queryByText('Administration')).not.toBeInTheDocument();

    const overlaps = screen.getByRole('region', { name: 'Overlaps and sharing' });
    expect(overlaps).toHaveTextContent('Camden Town SNT: 4 shared record(s)');
    expect(overlaps).toHaveTextContent('Street drinking by the station');
    expect(overlaps).toHaveTextContent('Review overdue');

    const cell = screen.getByRole('button', { name: /Camden Town Centre Team, Concerns answered.*3 records/ });
    expect(cell.closest('td')).toHaveClass('rag-red');
    expect(cell.closest('td')).toHaveTextContent('Below target');
    await user.click(cell);
    const drill = await screen.findByRole('region', { name: 'Records behind the cell' });
    const items = within(drill).getAllByRole('listitem');
    expect(items[0]).toHaveTextContent('Missed');
    expect(items[0]).toHaveTextContent('Not answered yet');
    expect(items[1]).toHaveTextContent('Met');
    expect(within(drill).getByRole('img', { name: /week by week: .*100; .*33.3/ })).toBeInTheDocument();
  });

  it('opens on the page a role has', async () => {
    render(Hq, { props: { api: fakeApi({ me: async () => ({ ...supervisor, role: 'intelligence_unit' }) }) } });
    await screen.findByRole('heading', { level: 1, name: 'Intelligence review' });
    await waitFor(() => expect(screen.getByText('Nothing waiting.')).toBeInTheDocument());
  });

  it('gives each role only its pages', () => {
    expect(pagesFor('officer')).toEqual([]);
    expect(pagesFor('analyst')).toEqual(['framework']);
    expect(pagesFor('intelligence_unit')).toEqual(['intel']);
    expect(pagesFor('admin')).toEqual(['framework', 'admin']);
  });

  it('turns an HQ error body into a BackendError with its code', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ code: 'forbidden', message: 'this needs the role admin' }), { status: 403 }));
    const e = await new HttpHqApi().officers().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BackendError);
    expect((e as BackendError).code).toBe('forbidden');
  });
});
