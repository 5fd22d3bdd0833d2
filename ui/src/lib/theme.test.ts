import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyTheme, followSystemTheme, initialTheme, saveTheme } from './theme';

/** Stubs matchMedia; returns a function that flips the system to light or dark. */
function systemPrefersLight(initially: boolean) {
  let matches = initially;
  const listeners = new Set<() => void>();
  vi.stubGlobal('matchMedia', (query: string) => ({
    get matches() {
      return query === '(prefers-color-scheme: light)' && matches;
    },
    addEventListener: (_: string, listener: () => void) => listeners.add(listener),
    removeEventListener: (_: string, listener: () => void) => listeners.delete(listener),
  }));
  return (light: boolean) => {
    matches = light;
    for (const listener of listeners) listener();
  };
}

afterEach(() => localStorage.clear());

describe('theme', () => {
  it('starts dark, even on a system that reports light', () => {
    systemPrefersLight(true);
    expect(initialTheme()).toBe('dark');
  });

  it("starts with the officer's saved choice", () => {
    saveTheme('light');
    expect(initialTheme()).toBe('light');
  });

  it('follows a change of the system theme while the officer has not chosen', () => {
    const switchSystem = systemPrefersLight(false);
    const seen: string[] = [];
    const stop = followSystemTheme((theme) => seen.push(theme));

    switchSystem(true);
    switchSystem(false);
    saveTheme('dark');
    switchSystem(true);
    stop();

    expect(seen).toEqual(['light', 'dark']);
  });

  it('applies a theme as data-theme and color-scheme', () => {
    const root = document.createElement('html');
    applyTheme('light', root);
    expect(root.dataset['theme']).toBe('light');
    expect(root.style.colorScheme).toBe('light');
  });
});
