/**
 * The HQ dashboard's view of HQ: `/api/v1/hq/*` on the page's own origin. The session is an
 * HttpOnly cookie the page never reads; errors arrive as `{code, message}` and are thrown as
 * `BackendError`, so the shared `Problem` component shows them.
 *
 * Every type HQ answers or is sent is generated from the Rust types: the dashboard's in
 * `./bindings` (`BEATBOOK_UPDATE_BINDINGS=1 cargo test -p beatbook-hq --test bindings`), records,
 * officers, teams and areas in `$lib/bindings`. They are re-exported here for the pages.
 */
import { BackendError, type ClientErrorCode } from '$lib/backend';
import type { Area } from '$lib/bindings/Area';
import type { Grade } from '$lib/bindings/Grade';
import type { Officer } from '$lib/bindings/Officer';
import type { RecordSummary } from '$lib/bindings/RecordSummary';
import type { Team } from '$lib/bindings/Team';
import type { ApiErrorCode } from './bindings/ApiErrorCode';
import type { Audit } from './bindings/Audit';
import type { AuditRead } from './bindings/AuditRead';
import type { AuditWrite } from './bindings/AuditWrite';
import type { Board } from './bindings/Board';
import type { BoardQuery } from './bindings/BoardQuery';
import type { BoardRow } from './bindings/BoardRow';
import type { Cell } from './bindings/Cell';
import type { Change } from './bindings/Change';
import type { CellDetail } from './bindings/CellDetail';
import type { ChainView } from './bindings/ChainView';
import type { Decision } from './bindings/Decision';
import type { DecisionRequest } from './bindings/DecisionRequest';
import type { DecisionView } from './bindings/DecisionView';
import type { DeviceView } from './bindings/DeviceView';
import type { DisabledOfficer } from './bindings/DisabledOfficer';
import type { OfficerAccess } from './bindings/OfficerAccess';
import type { SetDisabled } from './bindings/SetDisabled';
import type { Disseminate } from './bindings/Disseminate';
import type { Disseminated } from './bindings/Disseminated';
import type { EnrolmentCode } from './bindings/EnrolmentCode';
import type { HistoryItem } from './bindings/HistoryItem';
import type { ListQuery } from './bindings/ListQuery';
import type { Me } from './bindings/Me';
import type { Measure } from './bindings/Measure';
import type { NewCode } from './bindings/NewCode';
import type { Named } from './bindings/Named';
import type { NewArea } from './bindings/NewArea';
import type { NewTeam } from './bindings/NewTeam';
import type { OfficerBreakdown } from './bindings/OfficerBreakdown';
import type { Overlap } from './bindings/Overlap';
import type { Preset } from './bindings/Preset';
import type { PutOfficer } from './bindings/PutOfficer';
import type { Purposes } from './bindings/Purposes';
import type { QueueItem } from './bindings/QueueItem';
import type { QueueQuery } from './bindings/QueueQuery';
import type { Rag } from './bindings/Rag';
import type { RecordDetail } from './bindings/RecordDetail';
import type { RecordList } from './bindings/RecordList';
import type { Regrade } from './bindings/Regrade';
import type { RetentionItem } from './bindings/RetentionItem';
import type { RetentionQueue } from './bindings/RetentionQueue';
import type { ReportDetail } from './bindings/ReportDetail';
import type { StaffLogin } from './bindings/StaffLogin';
import type { StaffSession } from './bindings/StaffSession';
import type { TargetRow } from './bindings/TargetRow';
import type { Targets } from './bindings/Targets';
import type { Trend } from './bindings/Trend';
import type { TrendPoint } from './bindings/TrendPoint';
import { currentPurpose, purposeHeaderValue, PURPOSE_HEADER } from './purpose';

export type {
  ApiErrorCode,
  Audit,
  AuditRead,
  AuditWrite,
  Board,
  BoardRow,
  Cell,
  CellDetail,
  Change,
  ChainView,
  Decision,
  DecisionRequest,
  DecisionView,
  DeviceView,
  Disseminate,
  Disseminated,
  EnrolmentCode,
  HistoryItem,
  Measure,
  Named,
  NewArea,
  NewTeam,
  OfficerBreakdown,
  Overlap,
  Preset,
  Purposes,
  QueueItem,
  QueueQuery,
  Rag,
  RecordDetail,
  RecordList,
  ReportDetail,
  RetentionItem,
  RetentionQueue,
  TargetRow,
  Targets,
  Trend,
  TrendPoint,
};
/** Every code a dashboard error carries: HQ's (`ApiErrorCode`, generated from Rust), `unreachable`
 * when HQ cannot be reached, or the UI's own. */
export type HqErrorCode = ApiErrorCode | 'unreachable' | ClientErrorCode;
/** A failed call to HQ. */
export type HqError = BackendError<HqErrorCode>;

/** The period (and rows) of the board: the query of `GET /framework`. */
export type Period = BoardQuery;
/**
 * `GET /records` filters, as the form holds them (text); the names are the server's
 * (`ListQuery`). Dates are ISO times, `before` is the `next_before` of the page before.
 */
export type RecordFilter = { [K in keyof ListQuery]?: string };

export interface HqApi {
  me(): Promise<Officer>;
  signIn(collar: string, password: string): Promise<Officer>;
  signOut(): Promise<void>;
  board(p: Period): Promise<Board>;
  cell(unit: string, measure: string, p: Period): Promise<CellDetail>;
  trend(unit: string, measure: string, by: Period['by']): Promise<Trend>;
  overlaps(p: Period): Promise<Overlap[]>;
  /** A team's figures officer by officer (its supervisors only). */
  teamOfficers(team: string, p: Period): Promise<OfficerBreakdown>;
  boardCsvUrl(p: Period): string;
  putTarget(t: TargetRow): Promise<void>;
  queue(): Promise<QueueItem[]>;
  report(id: string): Promise<ReportDetail>;
  /** `handlingReason`: why the handling code changes (required by HQ when it does). */
  grade(id: string, grade: Grade, handlingReason?: string): Promise<void>;
  disseminate(id: string, body: Disseminate): Promise<Disseminated>;
  teams(): Promise<Team[]>;
  areas(): Promise<Area[]>;
  officers(): Promise<Officer[]>;
  putOfficer(o: Officer): Promise<void>;
  addOfficer(o: Officer, password: string): Promise<Officer>;
  /** The officers who are disabled (leavers), and since when. */
  disabledOfficers(): Promise<DisabledOfficer[]>;
  /** Disable an officer (signing in refused, every session ended now) or enable them again. */
  setOfficerDisabled(id: string, disabled: boolean): Promise<OfficerAccess>;
  addTeam(t: NewTeam): Promise<Team>;
  addArea(a: NewArea): Promise<Area>;
  devices(): Promise<DeviceView[]>;
  revoke(id: string): Promise<void>;
  enrolmentCode(): Promise<EnrolmentCode>;
  audit(q: Record<string, string>): Promise<Audit>;
  verifyChains(): Promise<ChainView[]>;
  records(filter: RecordFilter): Promise<RecordList>;
  record(id: string): Promise<RecordDetail>;
  /** Records due for retention review, the filter's total and the latest decisions (records manager). */
  retentionQueue(q: QueueQuery): Promise<RetentionQueue>;
  /** The force's purposes for a look at personal data, and how long one is held. */
  purposes(): Promise<Purposes>;
  /** One decision on the chosen records, or on every record the filter matches. */
  decide(body: DecisionRequest): Promise<DecisionView>;
}

function query(p: object): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (typeof v === 'string' && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * One call to HQ's dashboard API (`base` + `path`), as JSON both ways: the answer, or a
 * `BackendError` with HQ's code and message (or `unreachable`). Every page's API goes through it.
 */
export async function hqCall<T>(method: string, path: string, body?: unknown, base = '/api/v1/hq'): Promise<T> {
  let resp: Response;
  try {
    const headers: Record<string, string> = { accept: 'application/json' };
    // The purpose the page holds goes with every call; HQ logs it with each read (issue 16).
    const purpose = currentPurpose();
    if (purpose) headers[PURPOSE_HEADER] = purposeHeaderValue(purpose);
    const init: RequestInit = { method, credentials: 'same-origin', headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    resp = await fetch(`${base}${path}`, init);
  } catch {
    throw new BackendError<HqErrorCode>({ code: 'unreachable', message: 'HQ could not be reached. Check the connection and try again.' });
  }
  if (resp.status === 204) return undefined as T;
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

export class HttpHqApi implements HqApi {
  constructor(private readonly base = '/api/v1/hq') {}

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return hqCall<T>(method, path, body, this.base);
  }

  async me() {
    return (await this.call<Me>('GET', '/me')).officer;
  }
  async signIn(collar_number: string, password: string) {
    const body: StaffLogin = { collar_number, password };
    return (await this.call<StaffSession>('POST', '/login', body)).officer;
  }
  signOut() {
    return this.call<void>('POST', '/logout');
  }
  board(p: Period) {
    return this.call<Board>('GET', `/framework${query(p)}`);
  }
  cell(unit: string, measure: string, p: Period) {
    return this.call<CellDetail>('GET', `/framework/cell${query({ ...p, unit, measure })}`);
  }
  trend(unit: string, measure: string, by: Period['by']) {
    return this.call<Trend>('GET', `/framework/trend${query({ unit, measure, by, weeks: '12' })}`);
  }
  overlaps(p: Period) {
    return this.call<Overlap[]>('GET', `/framework/overlaps${query({ from: p.from, to: p.to })}`);
  }
  teamOfficers(team: string, p: Period) {
    return this.call<OfficerBreakdown>('GET', `/framework/officers${query({ team, period: p.period, from: p.from, to: p.to })}`);
  }
  boardCsvUrl(p: Period) {
    return `${this.base}/framework.csv${query(p)}`;
  }
  async putTarget(t: TargetRow) {
    await this.call('POST', '/framework/targets', t);
  }
  queue() {
    return this.call<QueueItem[]>('GET', '/intel/queue');
  }
  report(id: string) {
    return this.call<ReportDetail>('GET', `/intel/${encodeURIComponent(id)}`);
  }
  async grade(id: string, grade: Grade, handlingReason = '') {
    const body: Regrade = { grade, handling_reason: handlingReason };
    await this.call('POST', `/intel/${encodeURIComponent(id)}/grade`, body);
  }
  disseminate(id: string, body: Disseminate) {
    return this.call<Disseminated>('POST', `/intel/${encodeURIComponent(id)}/disseminate`, body);
  }
  teams() {
    return this.call<Team[]>('GET', '/admin/teams');
  }
  areas() {
    return this.call<Area[]>('GET', '/admin/areas');
  }
  officers() {
    return this.call<Officer[]>('GET', '/admin/officers');
  }
  async putOfficer(officer: Officer) {
    const body: PutOfficer = { officer };
    await this.call('POST', '/admin/officers', body);
  }
  addOfficer(officer: Officer, password: string) {
    const body: PutOfficer = { officer, password };
    return this.call<Officer>('POST', '/admin/officers/new', body);
  }
  disabledOfficers() {
    return this.call<DisabledOfficer[]>('GET', '/admin/officers/disabled');
  }
  setOfficerDisabled(id: string, disabled: boolean) {
    const body: SetDisabled = { disabled };
    return this.call<OfficerAccess>('POST', `/admin/officers/${encodeURIComponent(id)}/disabled`, body);
  }
  addTeam(team: NewTeam) {
    return this.call<Team>('POST', '/admin/teams', team);
  }
  addArea(area: NewArea) {
    return this.call<Area>('POST', '/admin/areas', area);
  }
  devices() {
    return this.call<DeviceView[]>('GET', '/admin/devices');
  }
  async revoke(id: string) {
    await this.call('POST', `/admin/devices/${encodeURIComponent(id)}/revoke`, {});
  }
  enrolmentCode() {
    const body: NewCode = {};
    return this.call<EnrolmentCode>('POST', '/admin/enrolment-codes', body);
  }
  audit(q: Record<string, string>) {
    return this.call<Audit>('GET', `/admin/audit${query(q)}`);
  }
  verifyChains() {
    return this.call<ChainView[]>('POST', '/admin/verify-chains', {});
  }
  records(filter: RecordFilter) {
    return this.call<RecordList>('GET', `/records${query(filter)}`);
  }
  record(id: string) {
    return this.call<RecordDetail>('GET', `/records/${encodeURIComponent(id)}`);
  }
  retentionQueue(q: QueueQuery) {
    const text = Object.fromEntries(Object.entries(q).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
    return this.call<RetentionQueue>('GET', `/retention/queue${query(text)}`);
  }
  decide(body: DecisionRequest) {
    return this.call<DecisionView>('POST', '/retention/decisions', body);
  }
  purposes() {
    return this.call<Purposes>('GET', '/purposes');
  }
}

/** Which pages a role has: the server refuses the rest whatever the page shows. */
export function pagesFor(role: Officer['role']): Page[] {
  switch (role) {
    case 'supervisor':
      return ['framework', 'actions', 'outcomes', 'committee', 'records'];
    case 'analyst':
      return ['framework', 'outcomes', 'committee', 'records'];
    case 'intelligence_unit':
      return ['intel', 'redactions', 'records'];
    case 'force_reader':
      return ['framework', 'outcomes', 'committee', 'records'];
    case 'data_protection':
      return ['data-protection'];
    case 'admin':
      return ['framework', 'outcomes', 'committee', 'admin'];
    case 'records_manager':
      return ['retention'];
    case 'committee_member':
      return ['committee'];
    default:
      return [];
  }
}

export type Page =
  | 'framework'
  | 'actions'
  | 'outcomes'
  | 'committee'
  | 'intel'
  | 'redactions'
  | 'records'
  | 'retention'
  | 'data-protection'
  | 'admin';

export const PAGE_LABELS: Record<Page, string> = {
  framework: 'Performance framework',
  actions: 'Improvement actions',
  outcomes: 'Outcomes',
  committee: 'Committee report',
  intel: 'Intelligence review',
  redactions: 'Subject access review',
  records: 'Records',
  retention: 'Retention review',
  'data-protection': 'Data protection',
  admin: 'Administration',
};

export function ragLabel(rag: Rag): string {
  return { red: 'Below target', amber: 'Near target', green: 'On target', none: 'No data' }[rag];
}

/** Roles in words. */
export const ROLE_LABELS: Record<Officer['role'], string> = {
  officer: 'Officer',
  supervisor: 'Supervisor',
  intelligence_unit: 'Intelligence unit',
  analyst: 'Analyst',
  admin: 'Administrator',
  records_manager: 'Records manager',
  committee_member: 'Committee member',
  data_protection: 'Data protection officer',
  force_reader: 'Force-wide reader',
};

/** Kinds of record in words. */
export const KIND_LABELS: Record<RecordSummary['kind'], string> = {
  concern: 'Concern',
  intel_report: 'Intelligence report',
  intel_source: 'Source details',
  meeting: 'Meeting',
  priority: 'Priority',
  patrol_log: 'Patrol log',
  engagement: 'Engagement',
  action: 'Improvement action',
};

/** Team names for team ids, in the order given; a team HQ no longer lists is said so. */
export function teamNames(ids: readonly string[], teams: readonly Team[]): string {
  if (ids.length === 0) return 'No team';
  return ids.map((id) => teams.find((t) => t.id === id)?.name ?? 'A team no longer on HQ').join(', ');
}
