import { describe, expect, it } from 'vitest';
import type { SyncOutcome } from './bindings/SyncOutcome';
import type { SyncView } from './bindings/SyncView';
import { clockWords, outcomeStillHolds, syncOutcomeWords, syncViewWords, withOutcomeWords, withViewWords } from './sync-words';

/** 14:32 in the UK (GMT in November), whatever the machine's time zone. */
const AT_1432 = '2026-11-23T14:32:10Z';

function view(parts: Partial<SyncView>): SyncView {
  return {
    state: 'all_uploaded',
    pending: 0,
    rejected: 0,
    pending_photos: 0,
    last_success: null,
    last_error: null,
    last_error_code: null,
    progress: null,
    hq_url: 'http://127.0.0.1:8080',
    clock_ahead_ms: null,
    ...parts,
  };
}

function outcome(parts: Partial<SyncOutcome>): SyncOutcome {
  return {
    pushed: 0,
    acked: 0,
    pulled: 0,
    pending: 0,
    complete: false,
    refused: [],
    pending_photos: 0,
    photo_error: null,
    error_code: null,
    error_message: null,
    ...parts,
  };
}

const REFUSED = { record_id: '0190a0e0-0000-7000-8000-000000000000', title: 'Noise', reason: 'no access' };
const OFFLINE = "No connection to HQ (connection refused); changes wait on this device and go when it is back.";

describe('the sync badge in words', () => {
  it('says when nothing syncs because no one is signed in', () => {
    expect(syncViewWords(view({ state: 'not_signed_in', pending: 3 }))).toBe(
      'Not signed in to HQ: records stay on this device.',
    );
  });

  it('says why sync waits when HQ ended the sign-in, and what waits', () => {
    const ended = view({
      state: 'not_signed_in',
      pending: 2,
      last_error_code: 'session_ended',
      last_error: 'sign in to sync: your session ended after 14 days; capture carries on and what you record waits on this tablet',
    });
    expect(syncViewWords(ended)).toBe(
      'Sign in to sync: your session ended after 14 days; capture carries on and what you record waits on this tablet. 2 changes waiting.',
    );
  });

  it('follows a sync as it goes', () => {
    expect(syncViewWords(view({ state: 'syncing' }))).toBe('Syncing with HQ…');
    expect(syncViewWords(view({ state: 'syncing', progress: { phase: 'pushing', sent: 500, total: 1200 } }))).toBe(
      'Syncing: sent 500 of 1200.',
    );
    expect(syncViewWords(view({ state: 'syncing', progress: { phase: 'pulling', received: 40 } }))).toBe(
      'Syncing: received 40.',
    );
    expect(syncViewWords(view({ state: 'syncing', progress: { phase: 'photos', uploaded: 1, total: 2 } }))).toBe(
      'Syncing: sent 1 of 2 photos.',
    );
  });

  it('says HQ refused changes, and where to see why', () => {
    expect(syncViewWords(view({ state: 'error', rejected: 1, last_error_code: 'offline' }))).toBe(
      'HQ refused 1 change: see End of shift for why. They stay on this device.',
    );
    expect(syncViewWords(view({ state: 'error', rejected: 2 }))).toBe(
      'HQ refused 2 changes: see End of shift for why. They stay on this device.',
    );
  });

  it('says a failed sync and what waits', () => {
    const failed = view({
      state: 'error',
      pending: 2,
      last_error: 'sign in to HQ again: the session has ended',
      last_error_code: 'sign_in_needed',
      last_success: AT_1432,
    });
    expect(syncViewWords(failed)).toBe('Sync failed: sign in to HQ again: the session has ended. 2 changes waiting.');
  });

  it('says no signal, and that waiting changes go by themselves', () => {
    expect(syncViewWords(view({ state: 'offline', pending: 1, last_error_code: 'offline' }))).toBe(
      'No signal: 1 change waiting; they will upload automatically.',
    );
    expect(syncViewWords(view({ state: 'offline', pending: 1, last_success: AT_1432 }))).toBe(
      'No signal: 1 change waiting; they will upload automatically.',
    );
    expect(syncViewWords(view({ state: 'offline' }))).toBe('No signal. Nothing waiting.');
    expect(syncViewWords(view({ state: 'offline', last_success: AT_1432 }))).toBe(
      'No signal. Nothing waiting. Last sync 14:32.',
    );
  });

  it('says HQ cannot be reached, not no signal, when the network is up and HQ is not answering', () => {
    const down = view({ state: 'hq_unreachable', pending: 1, last_error_code: 'hq_unreachable' });
    expect(syncViewWords(down)).toBe('HQ cannot be reached: 1 change waiting; they will upload when HQ is back.');
    expect(syncViewWords(down)).not.toMatch(/signal/i);
    expect(syncViewWords(view({ state: 'hq_unreachable', last_success: AT_1432 }))).toBe(
      'HQ cannot be reached. Nothing waiting. Last sync 14:32.',
    );
    expect(syncOutcomeWords(outcome({ pending: 2, error_code: 'hq_unreachable', error_message: 'HQ cannot be reached (HTTP 502)' }))).toBe(
      'HQ cannot be reached: 2 changes not on HQ yet. They stay on this device and upload as soon as HQ is back.',
    );
    expect(syncOutcomeWords(outcome({ error_code: 'hq_unreachable' }))).toBe(
      'HQ cannot be reached: the sync did not finish. Nothing was waiting to upload.',
    );
  });

  it('counts what waits to upload, with the last sync when there was one', () => {
    expect(syncViewWords(view({ state: 'waiting', pending: 1 }))).toBe('1 change waiting to upload.');
    expect(syncViewWords(view({ state: 'waiting', pending: 3, last_success: AT_1432 }))).toBe(
      '3 changes waiting to upload. Last sync 14:32.',
    );
  });

  it('never says all uploaded while a photo is only on this device', () => {
    expect(syncViewWords(view({ state: 'waiting', pending_photos: 1 }))).toBe('Records on HQ; 1 photo waiting to upload.');
    expect(syncViewWords(view({ state: 'waiting', pending_photos: 2, last_success: AT_1432 }))).toBe(
      'Records on HQ; 2 photos waiting to upload. Last sync 14:32.',
    );
  });

  it('says all uploaded, with the last sync in local time', () => {
    expect(syncViewWords(view({ state: 'all_uploaded' }))).toBe('All uploaded.');
    expect(syncViewWords(view({ state: 'all_uploaded', last_success: AT_1432 }))).toBe('All uploaded. Last sync 14:32.');
    expect(syncViewWords(view({ state: 'all_uploaded', last_success: 'yesterday' }))).toBe(
      'All uploaded. Last sync yesterday.',
    );
  });

  it('adds the words to the facts', () => {
    const facts = view({ state: 'waiting', pending: 1 });
    expect(withViewWords(facts)).toEqual({ ...facts, words: '1 change waiting to upload.' });
  });
});

describe('a sync outcome in words', () => {
  it('says every record is on HQ', () => {
    expect(syncOutcomeWords(outcome({ complete: true, pushed: 1, acked: 1 }))).toBe(
      'Every record is on HQ. You can sign off.',
    );
  });

  it('says when photos are still only on this device, and why', () => {
    expect(syncOutcomeWords(outcome({ pending_photos: 1 }))).toBe(
      'Every record is on HQ, but 1 photo is not yet. They stay on this device: sync again before signing off.',
    );
    expect(syncOutcomeWords(outcome({ pending_photos: 2, photo_error: 'HQ refused the request: too large' }))).toBe(
      'Every record is on HQ, but 2 photos are not yet (HQ refused the request: too large). They stay on this device: sync again before signing off.',
    );
  });

  it('says no signal, and that waiting changes go as soon as HQ can be reached', () => {
    expect(syncOutcomeWords(outcome({ pending: 1, error_code: 'offline', error_message: OFFLINE }))).toBe(
      'No signal: 1 change not on HQ yet. They stay on this device and upload as soon as HQ can be reached.',
    );
  });

  it('says what stopped the sync and what is left', () => {
    const e: Partial<SyncOutcome> = { error_code: 'sign_in_needed', error_message: 'Sign in to HQ again: the session has ended.' };
    expect(syncOutcomeWords(outcome({ pending: 3, ...e }))).toBe(
      '3 changes not on HQ yet. Sign in to HQ again: the session has ended. They stay on this device.',
    );
    expect(syncOutcomeWords(outcome({ ...e }))).toBe(
      'Nothing waiting, but the sync did not finish: Sign in to HQ again: the session has ended.',
    );
    expect(syncOutcomeWords(outcome({ error_code: 'offline', error_message: OFFLINE }))).toBe(
      'No signal: the sync did not finish. Nothing was waiting to upload.',
    );
  });

  it('says HQ refused changes, with any still waiting', () => {
    expect(syncOutcomeWords(outcome({ refused: [REFUSED] }))).toBe(
      'HQ refused 1 change. They stay on this device: tell your supervisor.',
    );
    expect(syncOutcomeWords(outcome({ refused: [REFUSED, REFUSED], pending: 1 }))).toBe(
      'HQ refused 2 changes and 1 change still waits. They stay on this device: tell your supervisor.',
    );
    expect(
      syncOutcomeWords(outcome({ refused: [REFUSED], error_code: 'protocol', error_message: 'HQ answered something unexpected.' })),
    ).toBe('HQ refused 1 change. They stay on this device: tell your supervisor.');
  });

  it('says when changes still wait with no error', () => {
    expect(syncOutcomeWords(outcome({ pending: 2 }))).toBe('2 changes still waiting: sync again.');
  });

  it('adds the words to the facts', () => {
    const facts = outcome({ complete: true });
    expect(withOutcomeWords(facts)).toEqual({ ...facts, words: 'Every record is on HQ. You can sign off.' });
  });
});

describe('an outcome beside the badge', () => {
  const noSignal = outcome({ pending: 1, error_code: 'offline', error_message: OFFLINE });

  it('holds while the badge says the same', () => {
    expect(outcomeStillHolds(noSignal, view({ state: 'offline', pending: 1, last_error_code: 'offline' }))).toBe(true);
    expect(outcomeStillHolds(outcome({ complete: true }), view({ state: 'all_uploaded' }))).toBe(true);
    expect(outcomeStillHolds(noSignal, null)).toBe(true);
  });

  it('never stays as "1 change not on HQ yet" beside "All uploaded"', () => {
    expect(syncOutcomeWords(noSignal)).toMatch(/1 change not on HQ yet/);
    expect(outcomeStillHolds(noSignal, view({ state: 'all_uploaded' }))).toBe(false);
    expect(outcomeStillHolds(noSignal, view({ state: 'waiting', pending: 1 }))).toBe(false);
    expect(outcomeStillHolds(noSignal, view({ state: 'syncing', pending: 1 }))).toBe(false);
    expect(outcomeStillHolds(outcome({ complete: true }), view({ state: 'waiting', pending: 1 }))).toBe(false);
    const down = outcome({ pending: 1, error_code: 'hq_unreachable' });
    expect(outcomeStillHolds(down, view({ state: 'offline', pending: 1 }))).toBe(false);
  });
});

describe('clockWords', () => {
  it("says how far and which way the tablet's clock is off, once it is more than two minutes", () => {
    expect(clockWords(23 * 3_600_000)).toBe(
      "This tablet's clock is 23 hours fast. Changes are stamped with HQ's time until it is corrected: set the tablet's date and time.",
    );
    expect(clockWords(-3 * 86_400_000)).toMatch(/^This tablet's clock is 3 days slow\./);
    expect(clockWords(-(5 * 60_000 + 10_000))).toMatch(/^This tablet's clock is 5 minutes slow\./);
    expect(clockWords(150_000)).toMatch(/3 minutes fast/);
    expect(clockWords(119_000)).toBe('');
    expect(clockWords(-60_000)).toBe('');
    expect(clockWords(null)).toBe('');
  });
});
