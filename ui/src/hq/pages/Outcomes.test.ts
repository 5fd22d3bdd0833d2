import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Area } from '$lib/bindings/Area';
import type { Team } from '$lib/bindings/Team';
import type { ActionsApi, ConfidenceTrend, CrimeTrend } from '../actions-api';
import { refusingApi } from '../test-api';
import Outcomes from './Outcomes.svelte';
import { camdenOutcomes, fakeActions, outcomesBoard, refused } from './improvement-fixtures';

const teams: Team[] = [
  { id: 'camden-tct', name: 'Camden Town Centre Team', kind: 'tct', areas: ['tc-camden'] },
  { id: 'camden-town-snt', name: 'Camden Town SNT', kind: 'snt', areas: ['E05013655'] },
];
const area = (id: string, name: string, kind: Area['kind']): Area =>
  ({ id, name, kind, borough: 'Camden', ons_code: null, town_centre_class: null, boundary: [], boundary_approximate: false }) as Area;
const areas = [area('tc-camden', 'Camden Town', 'town_centre'), area('E05013655', 'Camden Town', 'ward')];
const hq = () => refusingApi({ teams: async () => teams, areas: async () => areas });

const crime: CrimeTrend = {
  unit: 'camden-tct',
  name: 'Camden Town Centre Team',
  by: 'team',
  months: [
    { month: '2026-09', month_words: 'Sept 2026', count: 120, year_before: 131, change: -8.4 },
    { month: '2026-10', month_words: 'Oct 2026', count: 118, year_before: null, change: null },
    { month: '2026-11', month_words: 'Nov 2026', count: 97, year_before: 110, change: -11.8 },
  ],
  types: [
    { crime_type: 'Anti-social behaviour', last_12_months: 640, previous_12_months: 700, change: -8.571 },
    { crime_type: 'Shoplifting', last_12_months: 210, previous_12_months: 0, change: null },
  ],
};
const confidence: ConfidenceTrend = {
  unit: 'camden-tct',
  name: 'Camden Town Centre Team',
  by: 'team',
  quarters: [
    { quarter: '2026-Q2', quarter_words: 'Apr to Jun 2026', public: { respondents: 200, confident: 130, percent: 65 }, business: { respondents: 40, confident: 22, percent: 55 } },
    { quarter: '2026-Q3', quarter_words: 'Jul to Sept 2026', public: { respondents: 180, confident: 126, percent: 70 }, business: null },
  ],
};

function expectOnlyWords() {
  const text = document.body.textContent ?? '';
  expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/i);
  expect(text).not.toMatch(/\d{4}-\d{2}(-\d{2})?/);
  expect(text).not.toMatch(/\d{4}-Q\d/);
  expect(text).not.toMatch(/[{}[\]"]|null|undefined|_/);
}

describe('Outcomes', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-07T12:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it("shows each team's outcomes for the last complete quarter against their targets, on the quarter before and a year before", async () => {
    const actions = fakeActions({ outcomes: vi.fn(async (q: string) => outcomesBoard(q, [camdenOutcomes])) });
    render(Outcomes, { props: { api: hq(), role: 'supervisor', actions } });
    const table = await screen.findByRole('table', { name: 'Outcomes by team' });
    expect(actions.outcomes).toHaveBeenCalledWith('2026-Q3');
    expect(screen.getByRole('heading', { name: 'Outcomes by team, Jul to Sept 2026' })).toBeInTheDocument();
    const cells = within(within(table).getByRole('row', { name: /Camden Town Centre Team/ })).getAllByRole('cell');
    expect(cells[0]).toHaveTextContent('7.5% down');
    expect(cells[0]).toHaveTextContent('Target 5% down or better');
    expect(cells[0]).toHaveTextContent('On target');
    expect(cells[0]).toHaveTextContent('Quarter before: 2% down (now better)');
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toContain('Businesses confident in the police (%)');
    expect(cells[0]).toHaveClass('rag-green');
    expect(cells[1]).toHaveTextContent('68%');
    expect(cells[1]).toHaveTextContent('Target at least 75%');
    expect(cells[1]).toHaveTextContent('Near target');
    expect(cells[1]).toHaveTextContent('A year before: 61% (now better)');
    expect(cells[2]).toHaveTextContent('Off target');
    expect(cells[2]).not.toHaveTextContent('Quarter before');
    expect(cells[3]).toHaveTextContent('£42.50');
    expect(cells[3]).toHaveTextContent('No target set');
    expect(cells[3]).toHaveTextContent('Quarter before: £45.00 (now better)');
    expect(cells[3]).toHaveTextContent('A year before: £40.00 (now worse)');
    expect(cells[4]).toHaveTextContent('£1,250.00');
    expect(cells[4]).toHaveTextContent('Quarter before: £1,250.00 (no change)');
    expect(cells[5]).toHaveTextContent('No data');
    expect(cells[5]).toHaveTextContent(/^No data No target set$/);
    expectOnlyWords();

    await userEvent.setup().selectOptions(screen.getByLabelText('Quarter'), 'Oct to Dec 2026');
    await waitFor(() => expect(actions.outcomes).toHaveBeenLastCalledWith('2026-Q4'));
  });

  it('charts recorded crime month by month beside a year before, and confidence by quarter, for a team or an area', async () => {
    const actions = fakeActions({ crime: vi.fn(async () => crime), confidence: vi.fn(async () => confidence) });
    render(Outcomes, { props: { api: hq(), role: 'supervisor', actions } });
    const crimeFigures = await screen.findByRole('table', { name: 'Camden Town Centre Team: recorded crime, month by month: the figures' });
    expect(actions.crime).toHaveBeenCalledWith({ team: 'camden-tct' });
    const rows = within(crimeFigures).getAllByRole('row');
    expect(rows[0]).toHaveTextContent('Month');
    expect(rows[0]).toHaveTextContent('Crimes recorded');
    expect(rows[0]).toHaveTextContent('The same month a year before');
    expect(rows[1]).toHaveTextContent('Sept 2026120131');
    expect(rows[2]).toHaveTextContent('Oct 2026118no figure');
    expect(screen.getByRole('img', { name: /recorded crime, month by month/ })).toBeInTheDocument();
    const types = within(screen.getByRole('table', { name: 'Camden Town Centre Team: crime by type' })).getAllByRole('row');
    expect(types[1]).toHaveTextContent('Anti-social behaviour640700' + '8.6% down');
    expect(types[2]).toHaveTextContent('Nothing to compare');

    const conf = screen.getByRole('table', { name: 'Camden Town Centre Team: confidence in the police, quarter by quarter: the figures' });
    const q = within(conf).getAllByRole('row');
    expect(q[1]).toHaveTextContent('Apr to Jun 202665%55%');
    expect(q[2]).toHaveTextContent('Jul to Sept 202670%no figure');
    expectOnlyWords();

    // A ward (two areas may share a name: the kind says which).
    await userEvent.setup().selectOptions(screen.getByLabelText('For'), within(screen.getByRole('group', { name: 'Wards' })).getByRole('option', { name: 'Camden Town' }));
    await waitFor(() => expect(actions.crime).toHaveBeenLastCalledWith({ area: 'E05013655' }));
    expect(actions.confidence).toHaveBeenLastCalledWith({ area: 'E05013655' });
    await screen.findByRole('table', { name: 'Camden Town (ward): recorded crime, month by month: the figures' });
  });

  it('says when nothing has been imported, and offers no import to a supervisor', async () => {
    render(Outcomes, { props: { api: hq(), role: 'supervisor', actions: fakeActions() } });
    expect(await screen.findByText('No recorded crime has been imported for Camden Town Centre Team.')).toBeInTheDocument();
    expect(screen.getByText('No survey results have been imported for Camden Town Centre Team.')).toBeInTheDocument();
    expect(screen.getByText('No outcome figures for Jul to Sept 2026 yet.')).toBeInTheDocument();
    expect(screen.queryByRole('form', { name: 'Import recorded crime' })).toBeNull();
    expect(screen.queryByRole('form', { name: 'Monthly cost' })).toBeNull();
    expect(screen.queryByRole('form', { name: 'Outcome target' })).toBeNull();
  });

  it('imports a crime file and reports each bad row by its line', async () => {
    const importCrime = vi.fn<ActionsApi['importCrime']>(async () => ({
      rows: 4,
      imported: 3,
      outside_areas: 1,
      months: ['2026-11'],
      quarters: [],
      errors: [{ line: 4, message: 'the month "Nov" is not a month: write it as 2026-11' }],
    }));
    const actions = fakeActions({ importCrime });
    render(Outcomes, { props: { api: hq(), role: 'analyst', actions } });
    const user = userEvent.setup();
    const form = await screen.findByRole('form', { name: 'Import recorded crime' });
    const csv = 'Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n';
    await user.upload(within(form).getByLabelText('Crime file'), new File([csv], '2026-11-metropolitan-street.csv', { type: 'text/csv' }));
    await user.click(within(form).getByRole('button', { name: 'Import crime file' }));
    const report = await within(form).findByRole('status', { name: 'Crime import' });
    expect(importCrime).toHaveBeenCalledWith(csv, '2026-11-metropolitan-street.csv');
    expect(report).toHaveTextContent('4 rows read, 3 imported, 1 outside every area. Months replaced: Nov 2026.');
    expect(report).toHaveTextContent('1 row not imported:');
    expect(within(report).getByRole('listitem')).toHaveTextContent('Line 4: the month "Nov" is not a month');
  });

  it('says why a file was refused whole, and asks for a file first', async () => {
    const importSurvey = vi.fn(() => Promise.reject(refused('bad_request', 'This is not a survey file: the column "confident" is missing')));
    render(Outcomes, { props: { api: hq(), role: 'admin', actions: fakeActions({ importSurvey }) } });
    const user = userEvent.setup();
    const form = await screen.findByRole('form', { name: 'Import survey results' });
    await user.click(within(form).getByRole('button', { name: 'Import survey file' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent('Choose a CSV file first.');
    expect(importSurvey).not.toHaveBeenCalled();
    await user.upload(within(form).getByLabelText('Survey file'), new File(['area,quarter\n'], 'survey.csv', { type: 'text/csv' }));
    await user.click(within(form).getByRole('button', { name: 'Import survey file' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent('the column "confident" is missing');
  });

  it("enters a team's monthly cost and shows value for money for the quarter", async () => {
    const putCost = vi
      .fn<ActionsApi['putCost']>()
      .mockRejectedValueOnce(refused('bad_request', 'The cost was not saved', [{ field: 'cost_pounds', code: 'negative', message: 'a cost cannot be below nothing' }]))
      .mockResolvedValueOnce({ team_id: 'camden-town-snt', team_name: 'Camden Town SNT', month: '2026-11', month_words: 'Nov 2026', cost_pounds: 38250 });
    const costs = vi.fn(async (quarter: string) => ({
      quarter,
      quarter_words: 'Jul to Sept 2026',
      months: ['2026-07', '2026-08', '2026-09'],
      month_words: ['Jul 2026', 'Aug 2026', 'Sept 2026'],
      teams: [
        {
          team_id: 'camden-tct',
          team_name: 'Camden Town Centre Team',
          months: [45123.5, 45000, null],
          cost_pounds: null,
          patrol_hours: 212.25,
          engagements: 14,
          concerns_answered: 40,
          per_patrol_hour: null,
          per_engagement: null,
          per_concern_answered: null,
        },
        {
          team_id: 'camden-town-snt',
          team_name: 'Camden Town SNT',
          months: [30000, 30000, 30000],
          cost_pounds: 90000,
          patrol_hours: 1500,
          engagements: 18,
          concerns_answered: 0,
          per_patrol_hour: 60,
          per_engagement: 5000,
          per_concern_answered: null,
        },
      ],
    }));
    render(Outcomes, { props: { api: hq(), role: 'admin', actions: fakeActions({ putCost, costs }) } });
    const user = userEvent.setup();
    const list = await screen.findByRole('table', { name: 'Value for money, Jul to Sept 2026' });
    expect(costs).toHaveBeenCalledWith('2026-Q3');
    const [head, camden, snt] = within(list).getAllByRole('row');
    expect(head).toHaveTextContent('Jul 2026');
    expect(camden).toHaveTextContent('£45,123.50');
    expect(camden).toHaveTextContent('Not entered');
    expect(camden).toHaveTextContent('Not all months entered');
    expect(camden).toHaveTextContent('212.3');
    expect(snt).toHaveTextContent('£90,000.00');
    expect(snt).toHaveTextContent('1,500');
    expect(snt).toHaveTextContent('£60.00');
    expect(snt).toHaveTextContent('£5,000.00');
    expect(snt).toHaveTextContent('No figure');
    expectOnlyWords();

    const form = screen.getByRole('form', { name: 'Monthly cost' });
    expect(within(form).getByLabelText('Month')).toHaveValue('2026-11');
    await user.selectOptions(within(form).getByLabelText('Team'), 'Camden Town SNT');
    await user.type(within(form).getByLabelText(/Cost/), '-5');
    await user.click(within(form).getByRole('button', { name: 'Save cost' }));
    expect(within(form).getByLabelText(/Cost/).closest('label')).toHaveTextContent('A cost cannot be below nothing.');
    await user.clear(within(form).getByLabelText(/Cost/));
    await user.type(within(form).getByLabelText(/Cost/), '38250');
    await user.click(within(form).getByRole('button', { name: 'Save cost' }));
    expect(putCost).toHaveBeenLastCalledWith({ team_id: 'camden-town-snt', month: '2026-11', cost_pounds: 38250 });
    expect(await screen.findByText(/^Cost saved/)).toHaveTextContent('Cost saved: Camden Town SNT, Nov 2026, £38,250.00.');
    expect(costs).toHaveBeenCalledTimes(2);
  });

  it('lets an administrator set an outcome target', async () => {
    const putTarget = vi.fn<ActionsApi['putTarget']>(async () => {});
    render(Outcomes, { props: { api: hq(), role: 'admin', actions: fakeActions({ putTarget }) } });
    const user = userEvent.setup();
    const form = await screen.findByRole('form', { name: 'Outcome target' });
    await user.selectOptions(within(form).getByLabelText('For'), 'Camden Town Centre Team');
    await user.selectOptions(within(form).getByLabelText('Outcome'), 'Recorded crime on a year before');
    expect(form).toHaveTextContent('Per cent on a year before: -5 is down 5%.');
    await user.type(within(form).getByLabelText(/Target/), '-5');
    await user.click(within(form).getByRole('button', { name: 'Save target' }));
    expect(putTarget).toHaveBeenCalledWith({ scope: 'team:camden-tct', measure: 'crime_change_yoy', target: -5 });
    expect(await screen.findByText(/^Target saved/)).toHaveTextContent('Target saved: Recorded crime on a year before, 5% down or better.');
  });
});
