// Builds GraphiQL into static files that the userplan server embeds:
//   dist/index.html   served at GET /graphql (to browsers)
//   dist/assets/*     served at /playground/assets/* (hashed names)
//
// `vite preview` serves the built page the way the server does (same path, same
// Content-Security-Policy) and proxies the API to a running userplan, by default
// the one at 127.0.0.1:18080 (set USERPLAN_URL to change it).
import { defineConfig } from 'vite';

const target = process.env.USERPLAN_URL ?? 'http://127.0.0.1:18080';

// The policy the server sends with the page; the preview sends it too, so a violation
// shows up during development rather than in production.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "worker-src 'self' blob:",
].join('; ');

const api = {
  '/graphql': {
    target,
    ws: true, // /graphql/ws, the subscriptions
    changeOrigin: false,
    // A browser asking GET /graphql for HTML gets the playground, as from the server.
    bypass(req) {
      const accept = req.headers.accept ?? '';
      const path = req.url.split('?')[0];
      if (req.method === 'GET' && path === '/graphql' && !req.url.includes('query=') && accept.includes('text/html')) {
        return '/playground/index.html';
      }
      return undefined;
    },
  },
};

export default defineConfig({
  base: '/playground/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    // GraphiQL with React and CodeMirror is one large chunk; that is expected here.
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      onwarn(warning, warn) {
        // React libraries mark modules "use client"; that means nothing in a plain SPA.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  // `npm run dev`: the same, unbundled, with reloading (no CSP header: Vite's dev client
  // needs more than the policy allows).
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: api,
  },
  preview: {
    host: '127.0.0.1',
    port: 4173,
    strictPort: true,
    headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY },
    proxy: api,
  },
});
