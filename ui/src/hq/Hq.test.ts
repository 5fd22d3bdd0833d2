import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '$lib/backend';
import type { Area } from '$lib/bindings/Area';
import type { Officer } from '$lib/bindings/Officer';
import type { RecordSummary } from '$lib/bindings/RecordSummary';
import { HttpHqApi, pagesFor, type Board, type HqApi, type HqError, type HqErrorCode, type RecordFilter } from './api';
import Hq from './Hq.svelte';
import { purposeGate } from './purpose-gate.svelte';

const supervisor: Officer = { id: 'PS1102', collar_number: 'PS1102', name: 'PS Helen Doyle', role: 'supervisor', teams: [] };

const board: Board = {
  force: 'Metropolitan Police Service',
  from: '2026-10-27T00:00:00Z',
  to: '2026-11-24T00:00:00Z',
  first_day: '2026-10-27',
  last_day: '2026-11-23',
  previous_first_day: '2026-09-29',
  previous_last_day: '2026-10-26',
  by: 'team',
  measures: [{ id: 'concerns_answered_72h', label: 'Concerns answered within 72 hours (%)', unit: '%' }],
  rows: [
    {
      id: 'camden-tct',
      name: 'Camden Town Centre Team',
      kind: 'tct',
      officers: true,
      cells: [{ measure: 'concerns_answered_72h', value: 33.3, target: 90, rag: 'red', records: 3, previous: 50, change: 'down', action: null, unaddressed: true }],
    },
  ],
};

/** An error as HQ answers it: `code` is one of HQ's (generated `ApiErrorCode`). */
const hqError = (code: HqErrorCode, message: string): HqError => new BackendError<HqErrorCode>({ code, message });

function fakeApi(over: Partial<HqApi> = {}): HqApi {
  const refuse = () => Promise.reject(hqError('forbidden', 'no'));
  return {
    me: () => Promise.reject(hqError('unauthorised', 'sign in')),
    signIn: vi.fn(async (collar: string, password: string) => {
      if (collar === 'PS1102' && password === 'demo-password-1') return supervisor;
      throw hqError('unauthorised', 'Sign in again: the collar number or password is wrong');
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
      measure_unit: '%',
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
    teamOfficers: refuse,
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
    addOfficer: refuse,
    disabledOfficers: async () => [],
    setOfficerDisabled: refuse,
    addTeam: refuse,
    addArea: refuse,
    devices: async () => [],
    revoke: refuse,
    enrolmentCode: refuse,
    audit: refuse,
    verifyChains: async () => [],
    records: async () => ({ records: [], more: false, next_before: null, scanned: 0, scan_stopped: false }),
    record: refuse,
    retentionQueue: refuse,
    decide: refuse,
    purposes: async () => ({
      kinds: [
        { code: 'investigation', label: 'Investigation', needs_reference: true, unmasks: true },
        { code: 'performance_review', label: 'Performance review', needs_reference: false, unmasks: false },
      ],
      hold_minutes: 60,
    }),
    ...over,
  };
}

beforeEach(() => {
  history.replaceState(null, '', '#');
  purposeGate.signOut();
});

/** Give the purpose the dashboard asks for before its first read of records (issue 16). */
async function givePurpose(user: ReturnType<typeof userEvent.setup>) {
  const dialog = await screen.findByRole('dialog', { name: 'Why are you looking at these records?' });
  await user.selectOptions(within(dialog).getByLabelText('Purpose'), 'Investigation');
  await user.type(within(dialog).getByLabelText(/^Reference/), 'CAD 1234');
  await user.click(within(dialog).getByRole('button', { name: 'Give purpose' }));
  await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
}

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
    expect(overlaps).toHaveTextContent('Camden Town SNT: 4 shared records');
    expect(overlaps).toHaveTextContent('Street drinking by the station');
    expect(overlaps).toHaveTextContent('Review overdue');

    const cell = screen.getByRole('button', { name: /Camden Town Centre Team, Concerns answered.*3 records/ });
    expect(cell.closest('td')).toHaveClass('rag-red');
    expect(cell.closest('td')).toHaveTextContent('Below target');
    await user.click(cell);
    // The records behind a figure are personal data: the purpose first.
    await givePurpose(user);
    expect(screen.getByRole('status', { name: 'Purpose held' })).toHaveTextContent('Purpose: Investigation CAD 1234 — until');
    const drill = await screen.findByRole('region', { name: 'Records behind the cell' });
    const items = within(drill).getAllByRole('listitem');
    expect(items[0]).toHaveTextContent('Missed');
    expect(items[0]).toHaveTextContent('Not answered yet');
    expect(items[1]).toHaveTextContent('Met');
    expect(within(drill).getByRole('img', { name: /week by week\. week of 10 Nov 2026: 100%; week of 17 Nov 2026: 33.3%/ })).toBeInTheDocument();
  });

  it('opens on the page a role has', async () => {
    render(Hq, { props: { api: fakeApi({ me: async () => ({ ...supervisor, role: 'intelligence_unit' }) }) } });
    await screen.findByRole('heading', { level: 1, name: 'Intelligence review' });
    await givePurpose(userEvent.setup());
    await waitFor(() => expect(screen.getByText('Nothing is waiting for review.')).toBeInTheDocument());
  });

  it('gives each role only its pages', () => {
    expect(pagesFor('officer')).toEqual([]);
    // Supervisors own the failures of their teams: improvement actions are theirs.
    expect(pagesFor('supervisor')).toEqual(['framework', 'actions', 'outcomes', 'committee', 'records']);
    expect(pagesFor('analyst')).toEqual(['framework', 'outcomes', 'committee', 'records']);
    // The intelligence unit also reviews what subject access searches found among sources.
    expect(pagesFor('intelligence_unit')).toEqual(['intel', 'redactions', 'records']);
    // Administrators read no records: subject access is the data protection officer's.
    expect(pagesFor('admin')).toEqual(['framework', 'outcomes', 'committee', 'admin']);
    expect(pagesFor('data_protection')).toEqual(['data-protection']);
    // Force-wide reading (senior leadership) is its own role.
    expect(pagesFor('force_reader')).toEqual(['framework', 'outcomes', 'committee', 'records']);
    // The records manager reviews retention and reads nothing else.
    expect(pagesFor('records_manager')).toEqual(['retention']);
    // A committee member reads the committee report: aggregates, nothing else.
    expect(pagesFor('committee_member')).toEqual(['committee']);
  });

  it('lets a supervisor browse records newest first, filter, load more and open one with its history', async () => {
    history.replaceState(null, '', '#/records');
    const summary = (id: string, title: string, area: string): RecordSummary => ({
      id,
      kind: 'concern',
      title,
      status: 'in_progress',
      occurred_at: '2026-11-23T10:00:00Z',
      areas: [area],
      conflicts: [],
      pending_ops: 0,
      body: { description: `${title}, most evenings`, status: 'in_progress', threat_to_life: false, location: { place: 'High Street', lat: 51.5, lon: -0.07 }, areas: [area] },
    });
    const newer = summary('r1', 'Street drinking outside the station', 'tc-camden-town');
    const older = summary('r2', 'Drinking by the market', 'E05009370');
    const records = vi.fn(async (f: RecordFilter) => {
      if (f.q === 'market') return { records: [older], more: false, next_before: null, scanned: 2, scan_stopped: false };
      if (f.before === '41') return { records: [older], more: false, next_before: null, scanned: 1, scan_stopped: false };
      return { records: [newer], more: true, next_before: 41, scanned: 10_000, scan_stopped: true };
    });
    const record = vi.fn(async (id: string) => ({
      summary: id === 'r2' ? older : newer,
      created_by: 'PC3318',
      created_by_name: 'PC Grace Adeyemi (PC3318)',
      server_seq: 40,
      created_at: '2026-11-23T10:00:00Z',
      updated_at: '2026-11-23T12:00:00Z',
      history: [
        { at: '2026-11-23T10:00:00Z', received_at: '2026-11-23T10:01:00Z', by: 'PC3318', by_name: 'PC Grace Adeyemi (PC3318)', what: 'Created' },
        { at: '2026-11-23T12:00:00Z', received_at: '2026-11-23T12:01:00Z', by: 'PS1102', by_name: 'PS Helen Doyle (PS1102)', what: 'Changed status' },
      ],
    }));
    const dalston: Area = { id: 'E05009370', name: 'Dalston', kind: 'ward', borough: 'Hackney', ons_code: 'E05009370', town_centre_class: null, boundary: [], boundary_approximate: true };
    const camden: Area = { ...dalston, id: 'tc-camden-town', name: 'Camden Town', kind: 'town_centre' };
    const sentAt = (i: number): RecordFilter => records.mock.calls[i]?.[0] ?? {};
    render(Hq, { props: { api: fakeApi({ me: async () => supervisor, records, record, areas: async () => [dalston, camden] }) } });
    const user = userEvent.setup();
    await screen.findByRole('heading', { level: 1, name: 'Records' });
    expect(screen.getByRole('link', { name: 'Records' })).toHaveAttribute('aria-current', 'page');
    await givePurpose(user);

    // Every control of the filters is named for a screen reader.
    const form = screen.getByRole('search', { name: 'Record filters' });
    for (const control of form.querySelectorAll('input, select, button')) expect(control).toHaveAttribute('aria-label');

    const list = screen.getByRole('region', { name: 'Record list' });
    await within(list).findByRole('button', { name: /Street drinking outside the station/ });
    expect(records).toHaveBeenCalledTimes(1);
    expect(sentAt(0)).toMatchObject({ q: '', before: '' });
    expect(within(list).getByRole('status')).toHaveTextContent('Searched the 10,000 most recent records');

    // Load more goes on from where the page stopped.
    await user.click(screen.getByRole('button', { name: 'Load more records' }));
    await within(list).findByRole('button', { name: /Drinking by the market/ });
    expect(sentAt(1).before).toBe('41');
    expect(within(list).getAllByRole('listitem')).toHaveLength(2);
    expect(screen.queryByRole('button', { name: 'Load more records' })).not.toBeInTheDocument();

    // Filters go to HQ as they are; a new search starts from the newest again.
    await user.selectOptions(screen.getByLabelText('Area'), 'Dalston (ward)');
    await user.selectOptions(screen.getByLabelText('Kind'), 'Concern');
    await user.type(screen.getByLabelText('Words'), 'market');
    await user.type(screen.getByLabelText('From'), '2026-11-01');
    await user.click(screen.getByRole('button', { name: 'Search records' }));
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(1));
    const sent = sentAt(2);
    expect(sent).toMatchObject({ area: 'E05009370', kind: 'concern', q: 'market', before: '' });
    expect(new Date(sent.since ?? '').getTime()).toBe(new Date('2026-11-01T00:00:00').getTime());

    // One record, in plain words, with its areas by name and its history.
    await user.click(within(list).getByRole('button', { name: /Drinking by the market/ }));
    const open = await screen.findByRole('region', { name: 'Record' });
    expect(record).toHaveBeenCalledWith('r2');
    expect(within(open).getByRole('heading', { level: 2 })).toHaveTextContent('Drinking by the market');
    expect(open).toHaveTextContent('Areas');
    expect(open).toHaveTextContent('Dalston');
    expect(open).toHaveTextContent('In progress');
    expect(open).toHaveTextContent('Created by PC Grace Adeyemi (PC3318)');
    expect(open).toHaveTextContent('Threat to life');
    expect(open).toHaveTextContent('No');
    expect(open).toHaveTextContent('Location High Street');
    expect(open).not.toHaveTextContent('in_progress');
    const steps = within(within(open).getByRole('list', { name: 'History' })).getAllByRole('listitem');
    expect(steps.map((s) => s.textContent)).toEqual([expect.stringContaining('PC Grace Adeyemi (PC3318): Created'), expect.stringContaining('PS Helen Doyle (PS1102): Changed status')]);
  });

  it('shows why records could not be listed', async () => {
    history.replaceState(null, '', '#/records');
    const records = () => Promise.reject(hqError('not_found', 'no team nowhere'));
    render(Hq, { props: { api: fakeApi({ me: async () => ({ ...supervisor, role: 'analyst' }), records }) } });
    await givePurpose(userEvent.setup());
    // Problem writes HQ's message as a sentence: a capital, a full stop, no code but behind Details.
    expect(await screen.findByRole('alert')).toHaveTextContent('No team nowhere.');
  });

  it('turns an HQ error body into a BackendError with its code', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ code: 'forbidden', message: 'this needs the role admin' }), { status: 403 }));
    const e = await new HttpHqApi().officers().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BackendError);
    expect((e as HqError).code).toBe('forbidden');
  });

  it('knows HQ\'s error codes by their generated type', () => {
    const e = hqError('too_many_attempts', 'Wait a minute.');
    expect(e.code === 'too_many_attempts').toBe(true);
    // @ts-expect-error HQ has no such code: a misspelt or removed code fails `npm run check`.
    expect(e.code === 'too_many_attempt').toBe(false);
    // @ts-expect-error a tablet's code, not HQ's
    expect(hqError('wrong_pin', 'no').code).toBe('wrong_pin');
  });
});
