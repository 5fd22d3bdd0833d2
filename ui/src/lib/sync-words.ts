/**
 * Sync in words for the officer. The device reports sync as facts (`SyncView` for the badge,
 * `SyncOutcome` after "Sync now" and end of shift); these functions are the one place that puts
 * them into sentences, for the Tauri backend and the test double alike.
 */
import type { SyncOutcome } from './bindings/SyncOutcome';
import type { SyncView } from './bindings/SyncView';
import { plural, time } from './format';

/** The badge's facts with their sentence. */
export type SyncViewWithWords = SyncView & { words: string };
/** A sync's outcome with its sentence. */
export type SyncOutcomeWithWords = SyncOutcome & { words: string };

/** "1 change", "3 changes". */
function changes(n: number): string {
  return plural(n, 'change');
}

function photos(n: number): string {
  return plural(n, 'photo');
}

/** The HH:MM of an RFC 3339 time in UK time, for "Last sync 14:32"; the text itself when it is
 * not a time. */
function clock(at: string): string {
  return Number.isNaN(new Date(at).getTime()) ? at : time(at);
}

/** A message from the device as the end of a sentence: no doubled full stop. */
function clause(message: string | null): string {
  const m = (message ?? '').trim().replace(/[.]+$/, '');
  return m ? `${m}.` : '';
}

/** What the sync badge says (its title and accessible name). */
export function syncViewWords(view: SyncView): string {
  const last = view.last_success ? ` Last sync ${clock(view.last_success)}.` : '';
  switch (view.state) {
    case 'not_signed_in': {
      // HQ ended the sign-in (after its absolute lifetime, say): its words, and what waits.
      const ended = view.last_error_code === 'session_ended' || view.last_error_code === 'sign_in_needed';
      const why = ended ? clause(view.last_error) : '';
      if (why) return `${why.charAt(0).toUpperCase()}${why.slice(1)} ${changes(view.pending)} waiting.`;
      return 'Not signed in to HQ: records stay on this device.';
    }
    case 'syncing': {
      const p = view.progress;
      if (p?.phase === 'pushing') return `Syncing: sent ${p.sent} of ${p.total}.`;
      if (p?.phase === 'pulling') return `Syncing: received ${p.received}.`;
      if (p?.phase === 'photos') return `Syncing: sent ${p.uploaded} of ${p.total} photos.`;
      return 'Syncing with HQ…';
    }
    case 'error':
      if (view.rejected > 0) {
        return `HQ refused ${changes(view.rejected)}: see End of shift for why. They stay on this device.`;
      }
      return `Sync failed: ${clause(view.last_error) || 'HQ did not say why.'} ${changes(view.pending)} waiting.`;
    case 'offline':
      return view.pending === 0
        ? `No signal. Nothing waiting.${last}`
        : `No signal: ${changes(view.pending)} waiting; they will upload automatically.`;
    case 'hq_unreachable':
      // The network is up: HQ is down or failing. Never "no signal".
      return view.pending === 0
        ? `HQ cannot be reached. Nothing waiting.${last}`
        : `HQ cannot be reached: ${changes(view.pending)} waiting; they will upload when HQ is back.`;
    case 'waiting':
      // Never "all uploaded" while a photo is only on this device.
      if (view.pending > 0) return `${changes(view.pending)} waiting to upload.${last}`;
      return `Records on HQ; ${photos(view.pending_photos)} waiting to upload.${last}`;
    case 'all_uploaded':
      return `All uploaded.${last}`;
  }
}

/** What a sync (or the end-of-shift sync) says: whether every record is on HQ, or what is left
 * and why. */
export function syncOutcomeWords(outcome: SyncOutcome): string {
  const { pending, error_code: code } = outcome;
  const refused = outcome.refused.length;
  const message = outcome.error_message ?? '';
  if (code === null && pending === 0 && refused === 0) {
    if (outcome.pending_photos > 0) {
      const n = outcome.pending_photos;
      const which = n === 1 ? '1 photo is' : `${n} photos are`;
      const why = outcome.photo_error ? ` (${outcome.photo_error})` : '';
      return `Every record is on HQ, but ${which} not yet${why}. They stay on this device: sync again before signing off.`;
    }
    return 'Every record is on HQ. You can sign off.';
  }
  if (code !== null && pending > 0) {
    if (code === 'offline') {
      return `No signal: ${changes(pending)} not on HQ yet. They stay on this device and upload as soon as HQ can be reached.`;
    }
    if (code === 'hq_unreachable') {
      return `HQ cannot be reached: ${changes(pending)} not on HQ yet. They stay on this device and upload as soon as HQ is back.`;
    }
    return `${changes(pending)} not on HQ yet. ${clause(message)} They stay on this device.`.replace('  ', ' ');
  }
  if (code === 'offline' && refused === 0) return 'No signal: the sync did not finish. Nothing was waiting to upload.';
  if (code === 'hq_unreachable' && refused === 0) return 'HQ cannot be reached: the sync did not finish. Nothing was waiting to upload.';
  if (code !== null && refused === 0) return `Nothing waiting, but the sync did not finish: ${clause(message)}`;
  if (refused > 0) {
    const still = pending > 0 ? ` and ${changes(pending)} still ${pending === 1 ? 'waits' : 'wait'}` : '';
    return `HQ refused ${changes(refused)}${still}. They stay on this device: tell your supervisor.`;
  }
  return `${changes(pending)} still waiting: sync again.`;
}

/**
 * Whether what a finished sync said still holds beside the badge now: a sentence like "No signal:
 * 1 change not on HQ yet" must not stay on screen beside "All uploaded" once a later sync (the
 * background one, say) has moved things on. Pages show an outcome only while this is true.
 */
export function outcomeStillHolds(outcome: SyncOutcome, view: SyncView | null): boolean {
  if (!view) return true;
  if (view.state === 'syncing') return false;
  if (view.pending !== outcome.pending || view.pending_photos !== outcome.pending_photos) return false;
  const code = outcome.error_code;
  if (code === 'offline' || code === 'hq_unreachable') return view.state === code;
  if (outcome.complete) return view.state === 'all_uploaded';
  return true;
}

/** How far off a tablet's clock may be before the officer is told: HQ accepts changes stamped a
 * few minutes ahead, and the tablet stamps by HQ's time anyway. */
export const CLOCK_TOLERANCE_MS = 2 * 60_000;

/** "1 minute", "23 hours", "3 days": to the nearest unit, as HQ words a refusal. */
export function durationWords(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 120) return plural(Math.max(1, minutes), 'minute');
  if (minutes < 48 * 60) return plural(Math.round(minutes / 60), 'hour');
  return plural(Math.round(minutes / (24 * 60)), 'day');
}

/** What the officer is told when this tablet's clock is wrong (`aheadMs`: how far it is ahead of
 * HQ's, negative when behind, as learnt at the last sync); empty when it is right, or not yet
 * known. */
export function clockWords(aheadMs: number | null | undefined): string {
  if (aheadMs === null || aheadMs === undefined || Math.abs(aheadMs) < CLOCK_TOLERANCE_MS) return '';
  const how = aheadMs > 0 ? 'fast' : 'slow';
  return `This tablet's clock is ${durationWords(aheadMs)} ${how}. Changes are stamped with HQ's time until it is corrected: set the tablet's date and time.`;
}

export function withViewWords(view: SyncView): SyncViewWithWords {
  return { ...view, words: syncViewWords(view) };
}

export function withOutcomeWords(outcome: SyncOutcome): SyncOutcomeWithWords {
  return { ...outcome, words: syncOutcomeWords(outcome) };
}
