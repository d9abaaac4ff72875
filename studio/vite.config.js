import { defineConfig } from 'vite';

// The module serves the build under any mount point and rewrites the
// <base href> of index.html to it, so built URLs must be relative.
// The dev server mounts the app at /studio/ and proxies the API to a demo
// server started with `WK_DEMO_PORT=8091 sh scripts/run-demo`.
const demoApi = process.env.WK_STUDIO_API || 'http://127.0.0.1:8091';

export default defineConfig(({ command }) => ({
  base: command === 'build' ? './' : '/studio/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    host: '127.0.0.1',
    port: 8092,
    strictPort: true,
    proxy: {
      '/studio/api': { target: demoApi, changeOrigin: false },
    },
  },
}));
