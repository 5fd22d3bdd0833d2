/**
 * The committee report's calls to HQ (issue 18): the report for a quarter, its PDF, and the notes
 * from partnership meetings staff write for it. Through `hqCall`, as every page's API; the types
 * are generated from the Rust types (`beatbook_domain::committee`, `::outcomes`).
 */
import { hqCall } from './api';
import type { CommitteeReport } from './bindings/CommitteeReport';
import type { NewPartnershipNote } from './bindings/NewPartnershipNote';
import type { PartnershipNoteView } from './bindings/PartnershipNoteView';

export type { CommitteeReport, NewPartnershipNote, PartnershipNoteView };
export type { ActionLine } from './bindings/ActionLine';
export type { MeasureHistory } from './bindings/MeasureHistory';
export type { OutcomeFigure } from './bindings/OutcomeFigure';
export type { OutcomeMeasure } from './bindings/OutcomeMeasure';
export type { PartnershipMeeting } from './bindings/PartnershipMeeting';
export type { Quarter } from './bindings/Quarter';
export type { QuarterFigure } from './bindings/QuarterFigure';
export type { TeamReport } from './bindings/TeamReport';

export interface CommitteeApi {
  /** The report for a quarter (`2026-Q4`); without one, HQ's default: the last complete quarter. */
  report(quarter?: string): Promise<CommitteeReport>;
  /** Where the report's PDF is downloaded from (a link: the browser saves it). */
  pdfUrl(quarter: string): string;
  /** Add a note from a partnership meeting (supervisors, analysts, administrators). */
  addNote(note: NewPartnershipNote): Promise<PartnershipNoteView>;
}

export class HttpCommitteeApi implements CommitteeApi {
  constructor(private readonly base = '/api/v1/hq') {}

  report(quarter?: string) {
    const q = quarter ? `?quarter=${encodeURIComponent(quarter)}` : '';
    return hqCall<CommitteeReport>('GET', `/committee/report${q}`, undefined, this.base);
  }

  pdfUrl(quarter: string) {
    return `${this.base}/committee/report.pdf?quarter=${encodeURIComponent(quarter)}`;
  }

  addNote(note: NewPartnershipNote) {
    return hqCall<PartnershipNoteView>('POST', '/partnership-notes', note, this.base);
  }
}
