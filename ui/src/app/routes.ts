/** The tablet app's pages, in navigation order. Routing is by URL hash (`#/patrol`). */
export type PageId =
  | 'home'
  | 'log-concern'
  | 'intelligence'
  | 'meetings'
  | 'patrol'
  | 'records'
  | 'map'
  | 'end-of-shift'
  | 'settings';

export type IconName = PageId;

export interface Page {
  id: PageId;
  label: string;
  /** One line on what the page is for; shown while the page is not yet built. */
  purpose: string;
}

export const PAGES: readonly Page[] = [
  { id: 'home', label: 'Home', purpose: 'This device, your shift and what is waiting to sync.' },
  {
    id: 'log-concern',
    label: 'Log concern',
    purpose: 'Record a community concern on foot in a few taps: ASB, VAWG, environmental and more.',
  },
  {
    id: 'intelligence',
    label: 'Intelligence',
    purpose: 'Submit intelligence graded 3x5x2 for review and sanitisation by the intelligence unit.',
  },
  {
    id: 'meetings',
    label: 'Meetings',
    purpose: 'Run ward panel meetings: attendance, issues raised, priorities agreed and review dates.',
  },
  {
    id: 'patrol',
    label: 'Patrol',
    purpose: 'Log hotspot patrols and read the briefing cached before you go out.',
  },
  {
    id: 'records',
    label: 'Records',
    purpose: 'Find and update the concerns, intelligence and priorities you can see.',
  },
  { id: 'map', label: 'Map', purpose: 'See hotspots, open concerns and your areas on an offline map.' },
  {
    id: 'end-of-shift',
    label: 'End of shift',
    purpose: 'Sync everything with HQ and hand over before you sign off.',
  },
  { id: 'settings', label: 'Settings', purpose: 'Auto-lock, the map and details about this device.' },
];

export const DEFAULT_PAGE: PageId = 'home';

export function hrefFor(id: PageId): string {
  return `#/${id}`;
}

/** A record's own address: `#/records/<id>` (briefing items and the record list link to it). */
export function hrefForRecord(id: string): string {
  return `#/records/${encodeURIComponent(id)}`;
}

/** The page a location hash names; unknown or empty hashes go Home. */
export function pageFromHash(hash: string): Page {
  const id = hash.replace(/^#\/?/, '').split('/')[0];
  return PAGES.find((page) => page.id === id) ?? pageById(DEFAULT_PAGE);
}

/** The record a hash opens (`#/records/<id>`), if any. */
export function recordFromHash(hash: string): string | null {
  const m = /^#\/?records\/([^/?#]+)/.exec(hash);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

export function pageById(id: PageId): Page {
  const page = PAGES.find((candidate) => candidate.id === id);
  if (!page) throw new Error(`Unknown page ${id}`);
  return page;
}

/** The record a hash changes (`#/records/<id>/edit`): EditRecord's route. */
export const recordToEdit = (hash: string): string | null => /^#\/?records\/([^/?#]+)\/edit$/.exec(hash)?.[1] ?? null;

/** An improvement action's page: `#/actions/<id>` (the briefing links to it). */
export function hrefForAction(id: string): string {
  return `#/actions/${encodeURIComponent(id)}`;
}

/** The improvement action a hash opens (`#/actions/<id>`), if any. */
export function actionFromHash(hash: string): string | null {
  const m = /^#\/?actions\/([^/?#]+)$/.exec(hash);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}
