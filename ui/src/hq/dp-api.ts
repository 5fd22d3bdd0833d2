/**
 * Subject access (issue 16): the data protection officer's search, requests and packs, and the
 * intelligence unit's review of the source records and raw intelligence a request withheld.
 * Through `hqCall`, as every page's API (it sends the purpose the page holds); the types are
 * generated from the Rust types (`beatbook_hq::subject_access`, `beatbook_domain::subject`).
 */
import { hqCall } from './api';
import type { Hit } from './bindings/Hit';
import type { NewSubjectRequest } from './bindings/NewSubjectRequest';
import type { RedactionItem } from './bindings/RedactionItem';
import type { RedactionQueue } from './bindings/RedactionQueue';
import type { RedactionRequest } from './bindings/RedactionRequest';
import type { SubjectQuery } from './bindings/SubjectQuery';
import type { SubjectRequestSummary } from './bindings/SubjectRequestSummary';
import type { SubjectRequestView } from './bindings/SubjectRequestView';
import type { SubjectResult } from './bindings/SubjectResult';
import type { SubjectResults } from './bindings/SubjectResults';
import type { WithheldItem } from './bindings/WithheldItem';

export type {
  Hit,
  NewSubjectRequest,
  RedactionItem,
  RedactionQueue,
  RedactionRequest,
  SubjectQuery,
  SubjectRequestSummary,
  SubjectRequestView,
  SubjectResult,
  SubjectResults,
  WithheldItem,
};

/** The purpose code a subject access request is looked up under (`default_purposes`). */
export const SUBJECT_ACCESS_PURPOSE = 'subject_access';

export interface DpApi {
  /** A page (1, 2, ...) of the records about a person (data protection officer, with a purpose). */
  search(q: SubjectQuery, page: number): Promise<SubjectResults>;
  /** Make a request: the withheld records go to the intelligence unit. */
  createRequest(r: NewSubjectRequest): Promise<SubjectRequestView>;
  requests(): Promise<SubjectRequestSummary[]>;
  request(id: string): Promise<SubjectRequestView>;
  /** Where the pack is downloaded from (links: the browser opens or saves them). */
  packHtmlUrl(id: string): string;
  packJsonUrl(id: string): string;
  /** The intelligence unit's queue. */
  redactions(): Promise<RedactionQueue>;
  decide(r: RedactionRequest): Promise<void>;
}

/** The query as a query string: only what was given. */
export function searchQuery(q: SubjectQuery, page: number): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (typeof v === 'string' && v.trim() !== '') p.set(k, v.trim());
  if (page > 1) p.set('page', String(page));
  return p.toString();
}

export class HttpDpApi implements DpApi {
  constructor(private readonly base = '/api/v1/hq') {}

  search(q: SubjectQuery, page: number) {
    return hqCall<SubjectResults>('GET', `/subject-access?${searchQuery(q, page)}`, undefined, this.base);
  }
  createRequest(r: NewSubjectRequest) {
    return hqCall<SubjectRequestView>('POST', '/subject-access/requests', r, this.base);
  }
  requests() {
    return hqCall<SubjectRequestSummary[]>('GET', '/subject-access/requests', undefined, this.base);
  }
  request(id: string) {
    return hqCall<SubjectRequestView>('GET', `/subject-access/requests/${encodeURIComponent(id)}`, undefined, this.base);
  }
  packHtmlUrl(id: string) {
    return `${this.base}/subject-access/requests/${encodeURIComponent(id)}/pack.html`;
  }
  packJsonUrl(id: string) {
    return `${this.base}/subject-access/requests/${encodeURIComponent(id)}/pack.json`;
  }
  redactions() {
    return hqCall<RedactionQueue>('GET', '/subject-access/redactions', undefined, this.base);
  }
  decide(r: RedactionRequest) {
    return hqCall<void>('POST', '/subject-access/redactions', r, this.base);
  }
}
