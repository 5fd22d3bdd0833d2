import base from './vite.config.ts';
import { mergeConfig } from 'vite';
export default mergeConfig(base, { resolve: { preserveSymlinks: true }, server: { fs: { allow: ['/work/main/ui', '/work/wt/h5/ui'] } } });
