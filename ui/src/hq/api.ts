/**
 * The HQ dashboard's view of HQ: `/api/v1/hq/*` on the page's own origin. The session is an
 * HttpOnly cookie the page never reads; errors arrive as `{code, message}` and are thrown as
 * `BackendError`, so the shared `Problem` component shows them.
 *
 * Record, officer, team and area types are the generated bindings; the dashboard's own answers
 * (board, queue, audit) are declared here, mirroring `crates/hq/src/dashboard`.
 */
import { BackendError } from '$lib/backend';
import type { Area } from '$lib/bindings/Area';
import type { Grade } from '$lib/bindings/Grade';
import type { Officer } from '$lib/bindings/Officer';
import type { RecordSummary } from '$lib/bindings/RecordSummary';
import type { ReviewState } from '$lib/bindings/ReviewState';
import type { Team } from '$lib/bindings/Team';
import type { TeamKind } from '$lib/bindings/TeamKind';

export type Rag = 'red' | 'amber' | 'green' | 'none';
export type Cell = { measure: string; value: number | null; target: number; rag: Rag; records: number };
export type BoardRow = { id: string; name: string; kind: TeamKind; cells: Cell[] };
export type Board = { from: string; to: string; by: 'team' | 'area'; measures: { id: string; label: string }[]; rows: BoardRow[] };
export type CellDetail = { unit: string; measure: string; label: string; records: { record: RecordSummary; contribution: number; met: boolean }[] };
export type TrendPoint = { from: string; to: string; value: number | null; target: number; rag: Rag };
export type Trend = { unit: string; measure: string; label: string; points: TrendPoint[] };
export type Named = { id: string; name: string };
export type Overlap = {
  tct: Named;
  town_centre: Named;
  snts: { team: Named; wards: Named[]; shared_records: number }[];
  joint_priorities: { id: string; title: string; area_id: string; last_reviewed_on: string; overdue: boolean }[];
};
export type QueueItem = { summary: RecordSummary; submitted_by: string; review_state: ReviewState; grade: string; threat_to_life: boolean; has_source: boolean };
export type ReportDetail = { report: RecordSummary; submitted_by: string; sources: RecordSummary[] };
export type DeviceView = { id: string; name: string; app_version: string; enrolled_at: string; last_seen_at: string | null; revoked_at: string | null; hq: boolean };
export type EnrolmentCode = { code: string; expires_at: string; qr_svg: string };
export type OpLogEntry = { device_id: string; device_seq: number; record_id: string; kind: string; author: string; received_at: string; server_seq: number | null; outcome_json: string };
export type AccessEntry = { at: string; officer_id: string; device_id: string | null; action: string; record_ids: string[]; detail: string };
export type Audit = { ops: OpLogEntry[]; access: AccessEntry[] };
export type ChainView = { device: string; ops: number; ok: boolean; broken_at: number | null };
export type Period = { from?: string; to?: string; by?: 'team' | 'area' };
export type Target = { scope: string; measure: string; target: number };
/** `GET /records` filters; dates are ISO times, `before` is the `next_before` of the page before. */
export type RecordFilter = { kind?: string; team?: string; area?: string; status?: string; since?: string; until?: string; q?: string; before?: string; limit?: string };
export type RecordList = { records: RecordSummary[]; more: boolean; next_before: number | null; scanned: number; scan_stopped: boolean };
export type HistoryItem = { at: string; received_at: string; by: string; what: string };
export type RecordDetail = { summary: RecordSummary; created_by: string; server_seq: number; created_at: string; updated_at: string; history: HistoryItem[] };

export interface HqApi {
  me(): Promise<Officer>;
  signIn(collar: string, password: string): Promise<Officer>;
  signOut(): Promise<void>;
  board(p: Period): Promise<Board>;
  cell(unit: string, measure: string, p: Period): Promise<CellDetail>;
  trend(unit: string, measure: string, by: Period['by']): Promise<Trend>;
  overlaps(p: Period): Promise<Overlap[]>;
  boardCsvUrl(p: Period): string;
  putTarget(t: Target): Promise<void>;
  queue(): Promise<QueueItem[]>;
  report(id: string): Promise<ReportDetail>;
  grade(id: string, grade: Grade): Promise<void>;
  disseminate(id: string, body: { content: string; checks_made: string; grade: Grade; teams: string[] }): Promise<{ sanitised_id: string }>;
  teams(): Promise<Team[]>;
  areas(): Promise<Area[]>;
  officers(): Promise<Officer[]>;
  putOfficer(o: Officer): Promise<void>;
  devices(): Promise<DeviceView[]>;
  revoke(id: string): Promise<void>;
  enrolmentCode(): Promise<EnrolmentCode>;
  audit(q: Record<string, string>): Promise<Audit>;
  verifyChains(): Promise<ChainView[]>;
  subjectAccess(name: string): Promise<RecordSummary[]>;
  records(filter: RecordFilter): Promise<RecordList>;
  record(id: string): Promise<RecordDetail>;
}

function query(p: object): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (typeof v === 'string' && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export class HttpHqApi implements HqApi {
  constructor(private readonly base = '/api/v1/hq') {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let resp: Response;
    try {
      const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
      if (body !== undefined) {
        init.headers = { accept: 'application/json', 'content-type': 'application/json' };
        init.body = JSON.stringify(body);
      }
      resp = await fetch(`${this.base}${path}`, init);
    } catch {
      throw new BackendError({ code: 'unreachable', message: 'HQ could not be reached. Check the connection and try again.' });
    }
    if (resp.status === 204) return undefined as T;
    const text = await resp.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!resp.ok) throw BackendError.from(parsed ?? `HQ answered ${resp.status}`);
    return parsed as T;
  }

  async me() {
    return (await this.call<{ officer: Officer }>('GET', '/me')).officer;
  }
  async signIn(collar_number: string, password: string) {
    return (await this.call<{ officer: Officer }>('POST', '/login', { collar_number, password })).officer;
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
  boardCsvUrl(p: Period) {
    return `${this.base}/framework.csv${query(p)}`;
  }
  async putTarget(t: Target) {
    await this.call('POST', '/framework/targets', t);
  }
  queue() {
    return this.call<QueueItem[]>('GET', '/intel/queue');
  }
  report(id: string) {
    return this.call<ReportDetail>('GET', `/intel/${encodeURIComponent(id)}`);
  }
  async grade(id: string, grade: Grade) {
    await this.call('POST', `/intel/${encodeURIComponent(id)}/grade`, { grade });
  }
  disseminate(id: string, body: { content: string; checks_made: string; grade: Grade; teams: string[] }) {
    return this.call<{ sanitised_id: string }>('POST', `/intel/${encodeURIComponent(id)}/disseminate`, body);
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
    await this.call('POST', '/admin/officers', { officer });
  }
  devices() {
    return this.call<DeviceView[]>('GET', '/admin/devices');
  }
  async revoke(id: string) {
    await this.call('POST', `/admin/devices/${encodeURIComponent(id)}/revoke`, {});
  }
  enrolmentCode() {
    return this.call<EnrolmentCode>('POST', '/admin/enrolment-codes', {});
  }
  audit(q: Record<string, string>) {
    return this.call<Audit>('GET', `/admin/audit${query(q)}`);
  }
  verifyChains() {
    return this.call<ChainView[]>('POST', '/admin/verify-chains', {});
  }
  async subjectAccess(name: string) {
    return (await this.call<{ records: RecordSummary[] }>('GET', `/subject-access${query({ name })}`)).records;
  }
  records(filter: RecordFilter) {
    return this.call<RecordList>('GET', `/records${query(filter)}`);
  }
  record(id: string) {
    return this.call<RecordDetail>('GET', `/records/${encodeURIComponent(id)}`);
  }
}

/** Which pages a role has: the server refuses the rest whatever the page shows. */
export function pagesFor(role: Officer['role']): Page[] {
  switch (role) {
    case 'supervisor':
    case 'analyst':
      return ['framework', 'records'];
    case 'intelligence_unit':
      return ['intel', 'records'];
    case 'admin':
      return ['framework', 'admin'];
    default:
      return [];
  }
}

export type Page = 'framework' | 'intel' | 'records' | 'admin';

export const PAGE_LABELS: Record<Page, string> = {
  framework: 'Performance framework',
  intel: 'Intelligence review',
  records: 'Records',
  admin: 'Administration',
};

export function ragLabel(rag: Rag): string {
  return { red: 'Below target', amber: 'Near target', green: 'On target', none: 'No data' }[rag];
}
