import '@testing-library/jest-dom/vitest';

// jsdom lays nothing out, so it has no ResizeObserver (Svelte's `bind:clientWidth` uses one): an
// observer that never reports, as a page that never resizes.
if (!('ResizeObserver' in globalThis)) {
  globalThis.ResizeObserver = class {
    observe(): void {}
    unobserve(): void {}
    disconnect(): void {}
  };
}
