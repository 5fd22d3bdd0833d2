import { describe, expect, it, vi } from 'vitest';
import { Saving } from './saving.svelte';

describe('Saving', () => {
  it('runs one save at a time: a second tap while one is in flight does nothing', async () => {
    const saving = new Saving();
    let finish: (id: string) => void = () => {};
    const save = vi.fn(() => new Promise<string>((resolve) => (finish = resolve)));
    const first = saving.run(save);
    expect(saving.busy).toBe(true);
    const second = await saving.run(save);
    expect(second).toBeUndefined();
    expect(save).toHaveBeenCalledTimes(1);
    finish('r1');
    expect(await first).toBe('r1');
    expect(saving.busy).toBe(false);
  });

  it('is free again after a save fails, and the failure reaches the form', async () => {
    const saving = new Saving();
    await expect(saving.run(() => Promise.reject(new Error('store unreachable')))).rejects.toThrow('store unreachable');
    expect(saving.busy).toBe(false);
    expect(await saving.run(() => Promise.resolve(2))).toBe(2);
  });
});
