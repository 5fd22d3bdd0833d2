/**
 * Test doubles for the improvement actions and outcomes pages: an `ActionsApi` that refuses
 * everything unless a test passes what its page needs, and a few actions and figures as HQ would
 * answer them.
 */
import { vi } from 'vitest';
import { BackendError } from '$lib/backend';
import type { HqErrorCode } from '../api';
import type { ActionView, ActionsApi, OutcomesBoard, TeamOutcomes } from '../actions-api';

export const refused = (code: HqErrorCode, message: string, fields: { field: string; code: string; message: string }[] = []) =>
  new BackendError<HqErrorCode>({ code, message, fields });

export function fakeActions(over: Partial<ActionsApi> = {}): ActionsApi {
  const refuse = () => Promise.reject(refused('forbidden', 'no'));
  return {
    actions: vi.fn(async () => []),
    action: refuse,
    open: refuse,
    addUpdate: refuse,
    close: refuse,
    outcomes: vi.fn(async (quarter: string) => outcomesBoard(quarter, [])),
    crime: vi.fn(async () => ({ unit: 'camden-tct', name: 'Camden Town Centre Team', by: 'team' as const, months: [], types: [] })),
    confidence: vi.fn(async () => ({ unit: 'camden-tct', name: 'Camden Town Centre Team', by: 'team' as const, quarters: [] })),
    importCrime: refuse,
    importSurvey: refuse,
    costs: vi.fn(async (quarter: string) => ({ quarter, quarter_words: 'Jul to Sept 2026', months: [], month_words: [], teams: [] })),
    putCost: refuse,
    putTarget: refuse,
    ...over,
  };
}

export const patrolAction: ActionView = {
  id: '0193a8a4-7c2e-7d11-9b1a-cccccccccccc',
  team_id: 'camden-tct',
  areas: ['tc-camden'],
  measure: 'patrol_hours_peak',
  target: 20,
  value: 12.5,
  rag: 'red',
  period_first_day: '2026-11-01',
  period_last_day: '2026-11-30',
  what: 'Two extra hotspot patrols on Friday and Saturday nights around the station',
  owner: 'PS1102',
  owner_name: 'PS Helen Doyle',
  opened_by: 'PS1102',
  opened_by_name: 'PS Helen Doyle',
  opened_on: '2026-11-02',
  due_on: '2027-01-31',
  review_on: '2026-12-01',
  closure: null,
  retention_review: '2029-11-02',
  team_name: 'Camden Town Centre Team',
  measure_label: 'Hotspot patrol hours per week at peak times',
  status: 'on_track',
  overdue: false,
  review_overdue: true,
  updates: [
    { note: 'First Friday patrol done; street drinking down', progress: 'on_track', at: '2026-11-20T21:30:00Z', author_name: 'PC Amira Khan' },
  ],
  periods_on_target: 2,
};

export const closedAction: ActionView = {
  ...patrolAction,
  id: '0193a8a4-7c2e-7d11-9b1a-dddddddddddd',
  measure: 'concerns_closed',
  measure_label: 'Concerns closed (%)',
  target: 60,
  value: 40,
  what: 'Weekly review of open concerns at the team briefing',
  status: 'done',
  review_overdue: false,
  closure: {
    evidence: {
      kind: 'back_on_target',
      periods: [
        { first_day: '2026-09-01', last_day: '2026-09-30', value: 65, target: 60, rag: 'green' },
        { first_day: '2026-10-01', last_day: '2026-10-31', value: 70, target: 60, rag: 'green' },
      ],
    },
    closed_on: '2026-11-03',
    closed_by: 'PS1102',
    closed_by_name: 'PS Helen Doyle',
  },
  updates: [],
};

export const camdenOutcomes: TeamOutcomes = {
  id: 'camden-tct',
  name: 'Camden Town Centre Team',
  kind: 'tct',
  figures: [
    { measure: 'crime_change_yoy', value: -7.5, target: -5, rag: 'green', previous: -2, year_before: 3, quarter_on_quarter: 'down', year_on_year: 'down' },
    { measure: 'confidence_public', value: 68, target: 75, rag: 'amber', previous: 70, year_before: 61, quarter_on_quarter: 'down', year_on_year: 'up' },
    { measure: 'confidence_business', value: 55.5, target: 70, rag: 'red', previous: null, year_before: null, quarter_on_quarter: 'not_comparable', year_on_year: 'not_comparable' },
    { measure: 'cost_per_patrol_hour', value: 42.5, target: null, rag: 'none', previous: 45, year_before: 40, quarter_on_quarter: 'down', year_on_year: 'up' },
    { measure: 'cost_per_engagement', value: 1250, target: null, rag: 'none', previous: 1250, year_before: null, quarter_on_quarter: 'same', year_on_year: 'not_comparable' },
    { measure: 'cost_per_concern_answered', value: null, target: null, rag: 'none', previous: null, year_before: null, quarter_on_quarter: 'not_comparable', year_on_year: 'not_comparable' },
  ],
};

/** Every team's outcomes for a quarter, with HQ's labels. */
export function outcomesBoard(quarter: string, teams: TeamOutcomes[]): OutcomesBoard {
  return {
    quarter,
    quarter_words: quarter,
    measures: [
      { id: 'crime_change_yoy', label: 'Recorded crime, change on a year before (%)', unit: '%', lower_is_better: true },
      { id: 'confidence_public', label: 'Public confident in the police (%)', unit: '%', lower_is_better: false },
      { id: 'confidence_business', label: 'Businesses confident in the police (%)', unit: '%', lower_is_better: false },
      { id: 'cost_per_patrol_hour', label: 'Cost per hour of hotspot patrol (£)', unit: '£', lower_is_better: true },
      { id: 'cost_per_engagement', label: 'Cost per engagement event (£)', unit: '£', lower_is_better: true },
      { id: 'cost_per_concern_answered', label: 'Cost per concern answered (£)', unit: '£', lower_is_better: true },
    ],
    teams,
  };
}
