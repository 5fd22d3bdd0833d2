/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // svelteTesting only acts under Vitest: browser build of Svelte, DOM cleanup after each test.
  plugins: [svelte(), svelteTesting()],
  // Relative asset URLs: Tauri serves ui/dist from its own origin.
  base: './',
  clearScreen: false,
  resolve: {
    alias: { $lib: here('./src/lib') },
  },
  server: {
    // Tauri's devUrl is http://localhost:5173.
    port: 5173,
    strictPort: true,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rollupOptions: {
      // One entry per HTML page; the HQ dashboard will be `hq: here('./hq.html')`.
      input: { app: here('./index.html'), hq: here('./hq.html') },
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test-setup.ts'],
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
    unstubGlobals: true,
  },
});
