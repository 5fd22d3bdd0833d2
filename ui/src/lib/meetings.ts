/**
 * Residents' votes at a ward panel, for the meeting form. The rule is the domain's
 * (`beatbook_domain::meeting::propose_priorities`, tested in Rust with the same cases as
 * meetings.test.ts): the form shows its proposal as the officer types, before anything is saved.
 */
import type { AreaId } from './bindings/AreaId';
import type { PriorityVote } from './bindings/PriorityVote';
import type { NamedArea } from './format';

/** How many of the issues with most votes are proposed (Rust: `PROPOSED_PRIORITIES`). */
export const PROPOSED_PRIORITIES = 3;

/** One issue raised, with the residents' votes for it (0 when not voted on). */
export interface IssueRaised {
  title: string;
  votes: number;
}

const same = (a: string, b: string) => a.trim() === b.trim();

/** The votes counted for `issue`. */
export function votesFor(votes: readonly PriorityVote[], issue: string): number {
  return votes.filter((v) => same(v.title, issue)).reduce((n, v) => n + v.votes, 0);
}

/** The issues voted for most, at most three, most votes first; a tie keeps the order raised. */
export function proposePriorities(issues: readonly string[], votes: readonly PriorityVote[]): string[] {
  return issues
    .map((title, at) => ({ title, at, n: votesFor(votes, title) }))
    .filter((x) => x.n > 0)
    .sort((a, b) => b.n - a.n || a.at - b.at)
    .slice(0, PROPOSED_PRIORITIES)
    .map((x) => x.title);
}

/** The form's rows as the meeting's issues raised and votes (empty rows left out). */
export function issuesAndVotes(rows: readonly IssueRaised[]): { issues_raised: string[]; votes: PriorityVote[] } {
  const kept = rows.map((r) => ({ title: r.title.trim(), votes: Math.max(0, Math.floor(Number(r.votes) || 0)) })).filter((r) => r.title);
  return { issues_raised: kept.map((r) => r.title), votes: kept.filter((r) => r.votes > 0) };
}

/** A saved meeting's issues as the form's rows, each with its votes. */
export function rowsOf(issues: readonly string[], votes: readonly PriorityVote[]): IssueRaised[] {
  return issues.map((title) => ({ title, votes: votesFor(votes, title) }));
}

/** Where a new meeting is held by default: one of the officer's own wards, else one of their
 * own areas, else the first ward in the picker (areas sorted with `sortAreas`). */
export function defaultMeetingArea<A extends NamedArea>(sorted: readonly A[], mine: readonly AreaId[]): AreaId | '' {
  const own = sorted.filter((a) => mine.includes(a.id));
  const ward = (list: readonly A[]) => list.find((a) => a.kind === 'ward');
  return (ward(own) ?? own[0] ?? ward(sorted) ?? sorted[0])?.id ?? '';
}
