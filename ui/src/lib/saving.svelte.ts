/**
 * One save at a time. A form's save button shows `busy` (disable it while true); a second tap
 * while a save is in flight does nothing, so a slow store or a double tap never saves twice.
 */
export class Saving {
  busy = $state(false);

  /** Run `save` unless one is already running; its answer, or `undefined` when refused. */
  async run<T>(save: () => Promise<T>): Promise<T | undefined> {
    if (this.busy) return undefined;
    this.busy = true;
    try {
      return await save();
    } finally {
      this.busy = false;
    }
  }
}
