/**
 * Asking for the purpose of a look, once per task (issue 16). A page that reads records wraps the
 * call in `purposeGate.run(...)`: with no purpose held, the dashboard's purpose dialog
 * (`components/PurposeDialog.svelte`, shown by `Hq.svelte`) asks for one first; when HQ answers
 * `purpose_required` (the purpose ran out, or the force changed its list), the purpose is dropped
 * and the dialog asks again with HQ's words. A purpose given is held for the force's set time
 * (`purpose.ts`) and the header shows it until then.
 */
import { BackendError } from '$lib/backend';
import type { PurposeKind } from './bindings/PurposeKind';
import { currentPurpose, dropPurpose, holdPurpose, type HeldPurpose, type Purpose } from './purpose';

/** A purpose in words, as HQ's access log keeps it (`Purpose::describe`): `Investigation CAD 1234: note`. */
export function purposeWords(p: Purpose, kinds: readonly PurposeKind[]): string {
  let out = kinds.find((k) => k.code === p.code)?.label ?? p.code;
  if (p.reference) out += ` ${p.reference}`;
  if (p.note) out += `: ${p.note}`;
  return out;
}

/** The dialog's question, while one is open. */
export interface Asking {
  /** Why it asks again (HQ's words), or null when it asks first. */
  message: string | null;
}

/** What a read that was given no purpose throws: the page shows it with `Problem`. */
export function noPurposeError() {
  return new BackendError<'purpose_required'>({
    code: 'purpose_required',
    message: 'No records were read: give the purpose of this look to see them',
  });
}

class PurposeGate {
  /** The purpose held now (null once it runs out, ends, or the person signs out). */
  held = $state<HeldPurpose | null>(currentPurpose());
  /** The question the dialog shows, while it is open. */
  asking = $state<Asking | null>(null);
  /** The purpose last given in this task, offered again when HQ asks again or it is changed. */
  last = $state<Purpose | null>(null);
  #answer: ((p: HeldPurpose | null) => void) | null = null;
  #pending: Promise<HeldPurpose | null> | null = null;

  /** Read the held purpose again (it may have run out). */
  refresh(now = Date.now()) {
    this.held = currentPurpose(now);
    return this.held;
  }

  /** Open the dialog (or join the one open); the purpose given, or null if it was cancelled. */
  ask(message: string | null = null): Promise<HeldPurpose | null> {
    if (this.#pending) {
      if (message && this.asking) this.asking = { message };
      return this.#pending;
    }
    this.asking = { message };
    this.#pending = new Promise((resolve) => {
      this.#answer = (p) => {
        this.asking = null;
        this.#pending = null;
        this.#answer = null;
        resolve(p);
      };
    });
    return this.#pending;
  }

  /** The dialog's answer: hold it for `minutes` and go on with the reads waiting for it. */
  give(p: Purpose, words: string, minutes: number) {
    this.held = holdPurpose(p, words, minutes);
    this.last = p;
    this.#answer?.(this.held);
  }

  /** The dialog was closed without a purpose: the reads waiting for one are not made. */
  cancel() {
    this.#answer?.(null);
  }

  /** End the task: the purpose is no longer held (the next read asks again). */
  end() {
    this.#drop();
    this.last = null;
  }

  #drop() {
    dropPurpose();
    this.held = null;
  }

  /** Sign-out: end the purpose and close any question. */
  signOut() {
    this.end();
    this.cancel();
  }

  /** Make a read of personal data with the purpose held, asking for one first if none is. */
  async run<T>(read: () => Promise<T>): Promise<T> {
    let message: string | null = null;
    for (;;) {
      if (message !== null || !this.refresh()) {
        if (!(await this.ask(message))) throw noPurposeError();
      }
      try {
        return await read();
      } catch (e) {
        if (!(e instanceof BackendError) || e.code !== 'purpose_required') throw e;
        this.#drop();
        message = e.message;
      }
    }
  }
}

/** The dashboard's one gate. */
export const purposeGate = new PurposeGate();
