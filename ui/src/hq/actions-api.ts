/**
 * The dashboard's view of improvement actions and outcomes (issue 18): `/api/v1/hq/actions*`,
 * `/api/v1/hq/outcomes*` and the outcome targets through `/framework/targets`. Every call goes
 * through `hqCall` (JSON) except the CSV imports, which send the file's text as `text/csv`.
 *
 * Pages take an `ActionsApi` (default: `httpActionsApi`, over HTTP), so their tests pass a fake.
 */
import type { CloseRequest } from '$lib/bindings/CloseRequest';
import { BackendError } from '$lib/backend';
import type { ActionStatus } from '$lib/bindings/ActionStatus';
import type { ActionUpdate } from '$lib/bindings/ActionUpdate';
import type { Closure } from '$lib/bindings/Closure';
import type { ImprovementAction } from '$lib/bindings/ImprovementAction';
import type { NewAction } from '$lib/bindings/NewAction';
import type { Progress } from '$lib/bindings/Progress';
import { hqCall, type HqErrorCode, type TargetRow } from './api';
import type { ActionView } from './bindings/ActionView';
import type { ActionsQuery } from './bindings/ActionsQuery';
import type { CellAction } from './bindings/CellAction';
import type { OutcomeFigure } from './bindings/OutcomeFigure';
import type { OutcomeMeasure } from './bindings/OutcomeMeasure';
import type { RowError } from './bindings/RowError';
import type { UpdateView } from './bindings/UpdateView';
import type { ConfidenceTrend } from './bindings/ConfidenceTrend';
import type { CostEntry } from './bindings/CostEntry';
import type { Costs } from './bindings/Costs';
import type { CrimeTrend } from './bindings/CrimeTrend';
import type { ImportReport } from './bindings/ImportReport';
import type { NewCost } from './bindings/NewCost';
import type { OutcomeInfo } from './bindings/OutcomeInfo';
import type { OutcomesBoard } from './bindings/OutcomesBoard';
import type { TeamOutcomes } from './bindings/TeamOutcomes';
import type { UnitQuery } from './bindings/UnitQuery';

export type {
  ActionStatus,
  ActionUpdate,
  ActionView,
  CellAction,
  Closure,
  ConfidenceTrend,
  CostEntry,
  Costs,
  CrimeTrend,
  ImportReport,
  ImprovementAction,
  NewAction,
  NewCost,
  OutcomeFigure,
  OutcomeInfo,
  OutcomeMeasure,
  OutcomesBoard,
  Progress,
  RowError,
  TeamOutcomes,
  UpdateView,
};

// ---- Improvement actions (`crates/hq/src/dashboard/actions.rs`) ----

/** How a supervisor asks to close an action: back on target (HQ checks the months) or a reason. */
export type CloseAction = CloseRequest;

export type ActionState = NonNullable<ActionsQuery['state']>;

// ---- Outcomes (`crates/hq/src/dashboard/outcomes.rs`) ----

/** Whose figures: a team or an area (one of them). */
export type Unit = UnitQuery;

export interface ActionsApi {
  /** `GET /actions?team=&state=` */
  actions(q?: { team?: string; state?: ActionState }): Promise<ActionView[]>;
  action(id: string): Promise<ActionView>;
  open(a: NewAction): Promise<ActionView>;
  addUpdate(id: string, u: ActionUpdate): Promise<ActionView>;
  close(id: string, c: CloseAction): Promise<ActionView>;

  outcomes(quarter: string): Promise<OutcomesBoard>;
  crime(u: Unit): Promise<CrimeTrend>;
  confidence(u: Unit): Promise<ConfidenceTrend>;
  importCrime(csv: string, file: string): Promise<ImportReport>;
  importSurvey(csv: string, file: string): Promise<ImportReport>;
  costs(quarter: string): Promise<Costs>;
  putCost(c: NewCost): Promise<CostEntry>;
  /** An outcome target: `POST /framework/targets` with the outcome's id as the measure. */
  putTarget(t: TargetRow): Promise<void>;
}

function query(p: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A CSV file's text to HQ (`text/csv`); the answer as JSON, or HQ's error as a `BackendError`. */
async function postCsv<T>(path: string, csv: string, base: string): Promise<T> {
  let resp: Response;
  try {
    resp = await fetch(`${base}${path}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'application/json', 'content-type': 'text/csv' },
      body: csv,
    });
  } catch {
    throw new BackendError<HqErrorCode>({ code: 'unreachable', message: 'HQ could not be reached. Check the connection and try again.' });
  }
  const text = await resp.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!resp.ok) throw BackendError.from<HqErrorCode>(parsed ?? `HQ answered ${resp.status}`);
  return parsed as T;
}

export function httpActionsApi(base = '/api/v1/hq'): ActionsApi {
  const call = <T>(method: string, path: string, body?: unknown) => hqCall<T>(method, path, body, base);
  const id = (s: string) => encodeURIComponent(s);
  return {
    actions: (q = {}) => call('GET', `/actions${query({ team: q.team, state: q.state })}`),
    action: (a) => call('GET', `/actions/${id(a)}`),
    open: (a) => call('POST', '/actions', a),
    addUpdate: (a, u) => call('POST', `/actions/${id(a)}/updates`, u),
    close: (a, c) => call('POST', `/actions/${id(a)}/close`, c),

    outcomes: (quarter) => call('GET', `/outcomes${query({ quarter })}`),
    crime: (u) => call('GET', `/outcomes/crime${query({ team: u.team, area: u.area })}`),
    confidence: (u) => call('GET', `/outcomes/confidence${query({ team: u.team, area: u.area })}`),
    importCrime: (csv, file) => postCsv(`/outcomes/crime${query({ file })}`, csv, base),
    importSurvey: (csv, file) => postCsv(`/outcomes/survey${query({ file })}`, csv, base),
    costs: (quarter) => call('GET', `/outcomes/costs${query({ quarter })}`),
    putCost: (c) => call('POST', '/outcomes/costs', c),
    putTarget: async (t) => {
      await call('POST', '/framework/targets', t);
    },
  };
}
