/**
 * Dark by default: officers use the tablet at night, in the street, and a bright screen gives
 * them away. Light on request; the choice is remembered on the device. Until the officer chooses,
 * the app starts dark and then follows the system's `prefers-color-scheme` when it changes (a
 * tablet's automatic day/night switch). Starting from the system preference is not used because
 * most systems (and WebKitGTK) report "light" when nobody chose anything.
 */
export type Theme = 'dark' | 'light';

const STORAGE_KEY = 'beatbook.theme';
const LIGHT_QUERY = '(prefers-color-scheme: light)';

function isTheme(value: unknown): value is Theme {
  return value === 'dark' || value === 'light';
}

function storedTheme(): Theme | undefined {
  try {
    const value = globalThis.localStorage?.getItem(STORAGE_KEY);
    return isTheme(value) ? value : undefined;
  } catch {
    return undefined; // Storage can be disabled; the theme is a nicety.
  }
}

function systemTheme(): Theme {
  const media = typeof globalThis.matchMedia === 'function' ? globalThis.matchMedia(LIGHT_QUERY) : undefined;
  return media?.matches ? 'light' : 'dark';
}

/** The theme to start with: the officer's saved choice, else dark. */
export function initialTheme(): Theme {
  return storedTheme() ?? 'dark';
}

/** Shows `theme` by setting `data-theme` on the root element (the CSS keys off it). */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  root.dataset['theme'] = theme;
  root.style.colorScheme = theme;
}

/** Remembers an explicit choice, so the system preference no longer overrides it. */
export function saveTheme(theme: Theme): void {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, theme);
  } catch {
    // Not remembered; the choice still holds for this session.
  }
}

/** Calls `onChange` when the system theme changes while the officer has made no choice. */
export function followSystemTheme(onChange: (theme: Theme) => void): () => void {
  if (typeof globalThis.matchMedia !== 'function') return () => {};
  const media = globalThis.matchMedia(LIGHT_QUERY);
  const listener = () => {
    if (!storedTheme()) onChange(systemTheme());
  };
  media.addEventListener('change', listener);
  return () => media.removeEventListener('change', listener);
}

export function otherTheme(theme: Theme): Theme {
  return theme === 'dark' ? 'light' : 'dark';
}
