import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '$lib/backend';
import type { Area } from '$lib/bindings/Area';
import type { Team } from '$lib/bindings/Team';
import type { HqErrorCode } from '../api';
import type { CommitteeApi, CommitteeReport, NewPartnershipNote, PartnershipNoteView } from '../committee-api';
import { refusingApi } from '../test-api';
import Committee from './Committee.svelte';
import { outcomeChange, outcomeTarget, outcomeValue, pickerQuarters, quarterOf, quarterWords } from './committee';

const QUARTERS = ['2025-Q4', '2026-Q1', '2026-Q2', '2026-Q3'];

/** A committee report as HQ sends it: two teams, one with a failure acted on and one not. */
function fixture(quarter = '2026-Q3'): CommitteeReport {
  const quarters = quarter === '2026-Q3' ? QUARTERS : ['2025-Q3', '2025-Q4', '2026-Q1', '2026-Q2'];
  return {
    force: 'Metropolitan Police Service',
    quarter,
    quarters,
    generated_at: '2026-12-07T10:15:00Z',
    teams: [
      {
        id: 'camden-tct',
        name: 'Camden Town Centre Team',
        kind: 'tct',
        measures: [
          {
            measure: 'patrol_hours_peak',
            label: 'Hotspot patrol hours per week at peak times',
            unit: 'hours a week',
            quarters: [
              { quarter: quarters[0]!, value: 22, target: 20, rag: 'green' },
              { quarter: quarters[1]!, value: 18.5, target: 20, rag: 'amber' },
              { quarter: quarters[2]!, value: 15, target: 20, rag: 'red' },
              { quarter: quarters[3]!, value: 12.25, target: 20, rag: 'red' },
            ],
            year_before: 21,
            quarter_on_quarter: 'down',
            year_on_year: 'down',
          },
          {
            measure: 'concerns_answered_72h',
            label: 'Concerns answered within 72 hours (%)',
            unit: '%',
            quarters: [
              { quarter: quarters[0]!, value: null, target: 90, rag: 'none' },
              { quarter: quarters[1]!, value: 80, target: 90, rag: 'amber' },
              { quarter: quarters[2]!, value: 85, target: 90, rag: 'amber' },
              { quarter: quarters[3]!, value: 92, target: 90, rag: 'green' },
            ],
            year_before: null,
            quarter_on_quarter: 'up',
            year_on_year: 'not_comparable',
          },
          {
            measure: 'engagements_per_month',
            label: 'Engagement events per month',
            unit: 'events a month',
            quarters: [
              { quarter: quarters[0]!, value: 2, target: 4, rag: 'red' },
              { quarter: quarters[1]!, value: 2, target: 4, rag: 'red' },
              { quarter: quarters[2]!, value: 2, target: 4, rag: 'red' },
              { quarter: quarters[3]!, value: 2, target: 4, rag: 'red' },
            ],
            year_before: 2,
            quarter_on_quarter: 'same',
            year_on_year: 'same',
          },
        ],
        outcomes: [
          {
            measure: 'crime_change_yoy',
            value: -7.5,
            target: -5,
            rag: 'green',
            previous: -2,
            year_before: 3,
            quarter_on_quarter: 'down',
            year_on_year: 'down',
          },
          {
            measure: 'confidence_business',
            value: 64,
            target: 70,
            rag: 'red',
            previous: 68,
            year_before: 60,
            quarter_on_quarter: 'down',
            year_on_year: 'up',
          },
          {
            measure: 'cost_per_patrol_hour',
            value: 41.2,
            target: null,
            rag: 'none',
            previous: 45,
            year_before: null,
            quarter_on_quarter: 'down',
            year_on_year: 'not_comparable',
          },
        ],
        actions: [
          {
            id: '0193a8a4-7c2e-7d11-9b1a-cccccccccccc',
            measure: 'patrol_hours_peak',
            what: 'Two extra evening patrols a week around the station',
            status: 'off_track',
            opened_on: '2026-08-03',
            due_on: '2026-09-30',
            review_on: '2026-09-01',
            overdue: true,
            review_overdue: true,
            updates: 2,
            last_update_on: '2026-09-12',
            closed: null,
          },
          {
            id: '0193a8a4-7c2e-7d11-9b1a-dddddddddddd',
            measure: 'concerns_answered_72h',
            what: 'Daily check of unanswered concerns at the morning briefing',
            status: 'done',
            opened_on: '2026-04-10',
            due_on: '2026-07-31',
            review_on: '2026-06-15',
            overdue: false,
            review_overdue: false,
            updates: 0,
            last_update_on: null,
            closed: 'Back on target for 2 months',
          },
        ],
        areas_for_improvement: ['Hotspot patrol hours per week at peak times: below target for 2 quarters'],
        unaddressed: ['engagements_per_month'],
      },
      {
        id: 'dalston-snt',
        name: 'Dalston SNT',
        kind: 'snt',
        measures: [
          {
            measure: 'patrol_hours_peak',
            label: 'Hotspot patrol hours per week at peak times',
            unit: 'hours a week',
            quarters: quarters.map((q) => ({ quarter: q, value: 8, target: 6, rag: 'green' as const })),
            year_before: 7,
            quarter_on_quarter: 'same',
            year_on_year: 'up',
          },
        ],
        outcomes: [],
        actions: [],
        areas_for_improvement: [],
        unaddressed: [],
      },
    ],
    notes: [
      {
        id: 1 as unknown as PartnershipNoteView['id'],
        meeting: 'cdrp',
        met_on: '2026-09-18',
        team_id: 'camden-tct',
        team_name: 'Camden Town Centre Team',
        area_id: null,
        area_name: null,
        quarter,
        text: 'Traders report fewer shoplifting incidents since the evening patrols began.',
        written_at: '2026-09-19T09:00:00Z',
      },
    ],
  };
}

const teams: Team[] = [
  { id: 'camden-tct', name: 'Camden Town Centre Team', kind: 'tct', areas: ['tc-camden'] },
  { id: 'dalston-snt', name: 'Dalston SNT', kind: 'snt', areas: ['E05009370'] },
];
const areas = [
  { id: 'tc-camden', name: 'Camden Town', kind: 'town_centre' },
  { id: 'E05009370', name: 'Dalston', kind: 'ward' },
] as unknown as Area[];

function fakeCommittee(over: Partial<CommitteeApi> = {}): CommitteeApi {
  return {
    report: vi.fn(async (q?: string) => fixture(q ?? '2026-Q3')),
    pdfUrl: (q: string) => `/api/v1/hq/committee/report.pdf?quarter=${q}`,
    addNote: vi.fn(() => Promise.reject(new Error('not in this test'))),
    ...over,
  };
}

function fakeApi() {
  return refusingApi({ teams: vi.fn(async () => teams), areas: vi.fn(async () => areas) });
}

/** What a person reads on the page: never an id, a code, JSON or an ISO date. */
function expectWordsOnly() {
  const text = document.body.textContent ?? '';
  expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/i);
  expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  expect(text).not.toMatch(/\d{4}-Q\d/);
  expect(text).not.toMatch(/[{}[\]"]|null|undefined|NaN|_/);
  expect(text).not.toMatch(/camden-tct|dalston-snt|tc-camden|E05009370/);
}

describe('the committee report page', () => {
  beforeEach(() => {
    // Only the clock: "today" is 7 Dec 2026; timers stay real for the user events.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-07T12:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('shows each team over four quarters in colours and words, a year before, quarter on quarter and year on year', async () => {
    const committee = fakeCommittee();
    render(Committee, { props: { api: fakeApi(), role: 'committee_member', committee } });
    const table = await screen.findByRole('table', { name: 'Camden Town Centre Team: measures' });
    expect(committee.report).toHaveBeenCalledWith(undefined);
    expect(screen.getByText('Metropolitan Police Service: Jul to Sept 2026')).toBeInTheDocument();
    expect(screen.getByText(/Made 7 Dec 2026, 10:15/)).toBeInTheDocument();

    const headers = within(table).getAllByRole('columnheader').map((h) => h.textContent?.trim());
    expect(headers).toEqual([
      'Measure',
      'Oct to Dec 2025',
      'Jan to Mar 2026',
      'Apr to Jun 2026',
      'Jul to Sept 2026',
      'A year before',
      'Quarter on quarter',
      'Year on year',
    ]);
    const patrol = within(table).getByRole('row', { name: /Hotspot patrol hours/ });
    const cells = within(patrol).getAllByRole('cell');
    expect(cells[0]).toHaveTextContent('22 hours a week');
    expect(cells[0]).toHaveTextContent('On target');
    expect(cells[0]).toHaveClass('rag-green');
    expect(cells[1]).toHaveTextContent('18.5 hours a week Near target');
    expect(cells[1]).toHaveClass('rag-amber');
    expect(cells[3]).toHaveTextContent('12.3 hours a week');
    expect(cells[3]).toHaveTextContent('Below target');
    expect(cells[3]).toHaveClass('rag-red');
    expect(cells[4]).toHaveTextContent('21 hours a week');
    expect(cells[5]).toHaveTextContent('Down from 15 hours a week');
    expect(cells[6]).toHaveTextContent('Down from 21 hours a week');
    expect(patrol).toHaveTextContent('Target 20 hours a week');

    const answered = within(table).getByRole('row', { name: /Concerns answered/ });
    const a = within(answered).getAllByRole('cell');
    // No figure: said once.
    expect(a[0]).toHaveTextContent(/^No data$/);
    expect(a[3]).toHaveTextContent('92%');
    expect(a[5]).toHaveTextContent('Up from 85%');
    expect(a[6]).toHaveTextContent('Nothing to compare with');
    expect(within(table).getByRole('row', { name: /Engagement events/ })).toHaveTextContent('No change');

    // At a glance: the latest quarter's colours counted, actions and unaddressed failures.
    const glance = screen.getByRole('table', { name: 'At a glance' });
    const camden = within(glance).getByRole('row', { name: /Camden Town Centre Team/ });
    expect(within(camden).getAllByRole('cell').map((c) => c.textContent?.trim())).toEqual(['1', '0', '2', '1 open, 1 done', '1']);
    const quiet = within(glance).getByRole('row', { name: /Dalston SNT/ });
    expect(within(quiet).getAllByRole('cell').map((c) => c.textContent?.trim())).toEqual(['1', '0', '0', 'None', '0']);

    // The other team, with nothing to act on.
    const dalston = screen.getByRole('region', { name: /Dalston SNT/ });
    expect(dalston).toHaveTextContent('Safer Neighbourhoods Team');
    expect(dalston).toHaveTextContent('No outcome figures for this quarter yet.');
    expect(dalston).toHaveTextContent('No improvement actions open or closed in this quarter.');
    expect(dalston).toHaveTextContent('None: every measure is on target and none is falling.');
    expectWordsOnly();
  });

  it('shows outcomes against their targets, failures with their actions and progress, unaddressed reds and areas for improvement', async () => {
    render(Committee, { props: { api: fakeApi(), role: 'committee_member', committee: fakeCommittee() } });
    const outcomes = await screen.findByRole('table', { name: 'Camden Town Centre Team: outcomes' });
    const crime = within(outcomes).getByRole('row', { name: /Recorded crime/ });
    expect(crime).toHaveTextContent('−7.5%');
    expect(crime).toHaveTextContent('At most −5%');
    expect(crime).toHaveTextContent('On target');
    expect(crime).toHaveTextContent('Down from −2%: better');
    expect(crime).toHaveTextContent('Down from +3%: better');
    const business = within(outcomes).getByRole('row', { name: /Businesses confident/ });
    expect(business).toHaveTextContent('64%');
    expect(business).toHaveTextContent('At least 70%');
    expect(business).toHaveTextContent('Below target');
    expect(business).toHaveTextContent('Down from 68%: worse');
    expect(business).toHaveTextContent('Up from 60%: better');
    expect(within(business).getAllByRole('cell')[0]).toHaveClass('rag-red');
    const cost = within(outcomes).getByRole('row', { name: /Cost per hour of hotspot patrol/ });
    expect(cost).toHaveTextContent('£41.20');
    expect(cost).toHaveTextContent('No target set');
    expect(cost).toHaveTextContent('Down from £45.00: better');

    const actions = screen.getByRole('list', { name: 'Camden Town Centre Team: improvement actions' });
    const [late, done] = within(actions).getAllByRole('listitem');
    expect(late).toHaveTextContent('Hotspot patrol hours per week at peak times: Two extra evening patrols a week around the station');
    expect(late).toHaveTextContent('Off track');
    expect(late).toHaveTextContent('Past its due date');
    expect(late).toHaveTextContent('Review overdue');
    expect(late).toHaveTextContent('Opened 3 Aug 2026, due 30 Sept 2026, review 1 Sept 2026');
    expect(late).toHaveTextContent('2 progress updates, the latest on 12 Sept 2026');
    expect(done).toHaveTextContent('Done');
    expect(done).toHaveTextContent('No progress updates yet');
    expect(done).toHaveTextContent('Back on target for 2 months.');

    const unaddressed = screen.getByRole('list', { name: 'Camden Town Centre Team: failures not yet addressed' });
    expect(unaddressed).toHaveTextContent('Failure not yet addressed: Engagement events per month');
    const improve = screen.getByRole('list', { name: 'Camden Town Centre Team: areas for improvement' });
    expect(improve).toHaveTextContent('Hotspot patrol hours per week at peak times: below target for 2 quarters');

    const notes = screen.getByRole('list', { name: 'Partnership notes' });
    expect(notes).toHaveTextContent('Crime and disorder reduction partnership, 18 Sept 2026');
    expect(notes).toHaveTextContent('Camden Town Centre Team');
    expect(notes).toHaveTextContent('Traders report fewer shoplifting incidents');
    expectWordsOnly();
  });

  it('offers quarters in words, reads the chosen one and links its PDF', async () => {
    const committee = fakeCommittee();
    render(Committee, { props: { api: fakeApi(), role: 'committee_member', committee } });
    await screen.findByRole('table', { name: 'Camden Town Centre Team: measures' });
    const picker = screen.getByRole('search', { name: 'Report period' });
    const select = within(picker).getByLabelText('Quarter');
    expect(select).toHaveValue('2026-Q3');
    const options = within(select).getAllByRole('option').map((o) => o.textContent);
    expect(options.slice(0, 3)).toEqual(['Oct to Dec 2026', 'Jul to Sept 2026', 'Apr to Jun 2026']);
    expect(options).toHaveLength(8);
    expect(screen.getByRole('link', { name: 'Download PDF' })).toHaveAttribute('href', '/api/v1/hq/committee/report.pdf?quarter=2026-Q3');

    const user = userEvent.setup();
    await user.selectOptions(select, 'Apr to Jun 2026');
    await user.click(within(picker).getByRole('button', { name: 'Show' }));
    await screen.findByText('Metropolitan Police Service: Apr to Jun 2026');
    expect(committee.report).toHaveBeenLastCalledWith('2026-Q2');
    expect(screen.getByRole('link', { name: 'Download PDF' })).toHaveAttribute('href', '/api/v1/hq/committee/report.pdf?quarter=2026-Q2');
    expect(within(screen.getByRole('table', { name: 'Camden Town Centre Team: measures' })).getAllByRole('columnheader')[1]).toHaveTextContent(
      'Jul to Sept 2025',
    );
  });

  it('gives the committee member no note form, and asks HQ for nothing else', async () => {
    const api = fakeApi();
    render(Committee, { props: { api, role: 'committee_member', committee: fakeCommittee() } });
    await screen.findByRole('table', { name: 'Camden Town Centre Team: measures' });
    expect(screen.queryByRole('form', { name: 'Partnership note' })).toBeNull();
    // Nothing it would be refused (and every refusal is logged).
    expect(api.teams).not.toHaveBeenCalled();
    expect(api.areas).not.toHaveBeenCalled();
  });

  it('lets staff add a partnership note for a team or an area, and shows it in the report', async () => {
    let report = fixture();
    const saved: PartnershipNoteView = {
      id: 2 as unknown as PartnershipNoteView['id'],
      meeting: 'engagement_group',
      met_on: '2026-09-25',
      team_id: null,
      team_name: null,
      area_id: 'E05009370',
      area_name: 'Dalston',
      quarter: '2026-Q3',
      text: 'Residents asked for more visible patrols near the market on Saturdays.',
      written_at: '2026-12-07T12:00:00Z',
    };
    const addNote = vi.fn(async (_: NewPartnershipNote) => {
      report = { ...report, notes: [...report.notes, saved] };
      return saved;
    });
    const committee = fakeCommittee({ addNote, report: vi.fn(async () => report) });
    render(Committee, { props: { api: fakeApi(), role: 'analyst', committee } });
    const form = await screen.findByRole('form', { name: 'Partnership note' });
    await screen.findByRole('table', { name: 'Camden Town Centre Team: measures' });
    const user = userEvent.setup();
    await user.selectOptions(within(form).getByLabelText('Meeting'), 'Community and police engagement group');
    await user.type(within(form).getByLabelText('Date of the meeting'), '2026-09-25');
    const about = within(form).getByLabelText(/^Team or area/);
    await waitFor(() => expect(within(about).getAllByRole('option').map((o) => o.textContent)).toContain('Dalston (ward)'));
    expect(within(about).getAllByRole('option').map((o) => o.textContent)).toContain('Camden Town Centre Team');
    await user.selectOptions(about, 'Dalston (ward)');
    expect(within(form).getByLabelText('Quarter')).toHaveValue('2026-Q3');
    await user.type(within(form).getByLabelText('Note'), 'Residents asked for more visible patrols near the market on Saturdays.');
    await user.click(within(form).getByRole('button', { name: 'Add note' }));

    expect(addNote).toHaveBeenCalledWith({
      meeting: 'engagement_group',
      met_on: '2026-09-25',
      team_id: null,
      area_id: 'E05009370',
      quarter: '2026-Q3',
      text: 'Residents asked for more visible patrols near the market on Saturdays.',
    });
    expect(await within(form).findByRole('status')).toHaveTextContent('Note added to Jul to Sept 2026, for Dalston.');
    const notes = await screen.findByRole('list', { name: 'Partnership notes' });
    await waitFor(() => expect(notes).toHaveTextContent('Community and police engagement group, 25 Sept 2026'));
    expect(notes).toHaveTextContent('Residents asked for more visible patrols');
    expect(within(form).getByLabelText('Note')).toHaveValue('');
    expectWordsOnly();
  });

  it('shows what HQ refused by the field, and keeps what was typed', async () => {
    const addNote = vi.fn(() =>
      Promise.reject(
        new BackendError<HqErrorCode>({
          code: 'bad_request',
          message: 'The note was not added',
          fields: [
            { field: 'team_id', code: 'required', message: 'choose a team or an area' },
            { field: 'met_on', code: 'future', message: 'the meeting cannot be in the future' },
          ],
        }),
      ),
    );
    render(Committee, { props: { api: fakeApi(), role: 'supervisor', committee: fakeCommittee({ addNote }) } });
    const form = await screen.findByRole('form', { name: 'Partnership note' });
    const user = userEvent.setup();
    await user.type(within(form).getByLabelText('Note'), 'A note with nowhere to go');
    await user.click(within(form).getByRole('button', { name: 'Add note' }));
    const about = within(form).getByLabelText(/^Team or area/);
    await waitFor(() => expect(about.closest('label')).toHaveTextContent('Choose a team or an area.'));
    expect(about).toHaveAttribute('aria-invalid', 'true');
    const met = within(form).getByLabelText(/^Date of the meeting/);
    expect(met.closest('label')).toHaveTextContent('The meeting cannot be in the future.');
    expect(within(form).getByLabelText('Note')).toHaveValue('A note with nowhere to go');
    expect(within(form).getByLabelText('Note')).not.toHaveAttribute('aria-invalid');
    // Once the field is changed, its refusal is no longer shown; the others stay.
    await user.selectOptions(about, 'Camden Town Centre Team');
    expect(about.closest('label')).not.toHaveTextContent('Choose a team or an area.');
    expect(about).not.toHaveAttribute('aria-invalid');
    expect(met.closest('label')).toHaveTextContent('The meeting cannot be in the future.');
  });

  it('says why when HQ refuses the report', async () => {
    const report = vi.fn(() => Promise.reject(new BackendError<HqErrorCode>({ code: 'forbidden', message: 'Only the committee and staff read the committee report' })));
    render(Committee, { props: { api: fakeApi(), role: 'committee_member', committee: fakeCommittee({ report }) } });
    expect(await screen.findByRole('alert')).toHaveTextContent('Only the committee and staff read the committee report.');
    expect(screen.queryByRole('link', { name: 'Download PDF' })).toBeNull();
  });
});

describe('quarters and outcomes in words', () => {
  it('names quarters as months, and offers the quarter today is in and the seven before it', () => {
    expect(quarterWords('2026-Q4')).toBe('Oct to Dec 2026');
    expect(quarterWords('2026-Q3')).toBe('Jul to Sept 2026');
    expect(quarterWords('2027-Q1')).toBe('Jan to Mar 2027');
    expect(quarterOf('2026-12-07')).toBe('2026-Q4');
    expect(quarterOf('2027-01-01')).toBe('2027-Q1');
    expect(pickerQuarters('2027-01-15', 3)).toEqual(['2027-Q1', '2026-Q4', '2026-Q3']);
    // A quarter shown that is older than the picker's stays in it.
    expect(pickerQuarters('2027-01-15', 2, '2024-Q2')).toEqual(['2027-Q1', '2026-Q4', '2024-Q2']);
  });

  it('writes outcome figures with their units and says whether a change is better', () => {
    expect(outcomeValue('crime_change_yoy', 4)).toBe('+4%');
    expect(outcomeValue('confidence_public', 71.25)).toBe('71.3%');
    expect(outcomeValue('cost_per_engagement', 1234.5)).toBe('£1,234.50');
    expect(outcomeValue('cost_per_engagement', null)).toBe('No data');
    expect(outcomeTarget('confidence_public', 75)).toBe('At least 75%');
    expect(outcomeChange('cost_per_engagement', 'up', 20, 18)).toBe('Up from £18.00: worse');
    expect(outcomeChange('confidence_public', 'up', 80, 70)).toBe('Up from 70%: better');
    expect(outcomeChange('confidence_public', 'same', 70, 70)).toBe('No change');
  });
});
