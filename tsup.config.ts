import { defineConfig } from 'tsup';

// One engine-neutral file for the native runtime (QuickJS): ES2020, no Node built-ins resolvable.
export default defineConfig({
  entry: { plugboard: 'hal/native/adapter/bundle.ts' },
  outDir: 'dist',
  format: ['iife'],
  platform: 'neutral',
  target: 'es2020',
  minify: true,
  sourcemap: true,
  splitting: false,
  clean: true,
  dts: false,
  outExtension: () => ({ js: '.js' }),
  noExternal: [/.*/],
});
