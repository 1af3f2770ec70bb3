import type { Hono } from 'hono';
import type { Env } from '../feedback/server/app.js';
import { clientScript } from './assets.js';
import { ADMIN_HTML, DEMO_HTML, LABELER_HTML, RATE_HTML } from './html.js';
import { STYLE_CSS } from './style.js';

/** Mounts the ranking (/), rating (/rate), demonstration (/demo) and admin (/admin) pages and their assets. */
export function mountPages(app: Hono<Env>): void {
  app.get('/', (c) => c.html(LABELER_HTML));
  app.get('/rate', (c) => c.html(RATE_HTML));
  app.get('/demo', (c) => c.html(DEMO_HTML));
  app.get('/admin', (c) => c.html(ADMIN_HTML));
  // No icon: answer the browser's automatic request without a 404 in its console.
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/assets/style.css', (c) => {
    c.header('Content-Type', 'text/css; charset=utf-8');
    c.header('Cache-Control', 'no-cache');
    return c.body(STYLE_CSS);
  });
  app.get('/assets/:file', async (c) => {
    const m = /^([a-z][a-z-]*)\.js$/.exec(c.req.param('file'));
    const code = m ? await clientScript(m[1]) : null;
    if (code === null) return c.json({ error: { code: 'not_found', message: 'no such asset' } }, 404);
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('Cache-Control', 'no-cache');
    return c.body(code);
  });
}
