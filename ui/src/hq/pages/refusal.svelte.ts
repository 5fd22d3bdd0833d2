/**
 * HQ's refusal of a form, field by field: each field's problem is shown by the field until the
 * field is changed (then it is the reader's new answer, not the refused one), and whatever is
 * not about a field shown on the form is shown above its buttons.
 */
import { BackendError } from '$lib/backend';

export class Refusal {
  error = $state<BackendError<string> | null>(null);
  /** Fields changed since the refusal. */
  edited = $state<string[]>([]);

  /** HQ refused: show why. */
  set(thrown: unknown): void {
    this.error = BackendError.from<string>(thrown);
    this.edited = [];
  }

  clear(): void {
    this.error = null;
    this.edited = [];
  }

  /** The reader changed `field`: its problem is no longer shown. */
  edit(field: string): void {
    if (!this.edited.includes(field)) this.edited = [...this.edited, field];
  }

  /** The problem with `field`, while it is unchanged. */
  field(name: string): string | undefined {
    return this.edited.includes(name) ? undefined : this.error?.fieldMessage(name);
  }

  /** The refusal, when it says something not shown by one of the form's `fields`. */
  other(fields: readonly string[]): BackendError<string> | null {
    const e = this.error;
    return e && (e.fields.length === 0 || e.fields.some((f) => !fields.includes(f.field))) ? e : null;
  }
}
