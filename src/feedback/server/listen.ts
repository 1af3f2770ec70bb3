import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { FeedbackStore } from '../db/store.js';
import type { Env } from './app.js';

export interface RunningServer {
  url: string;
  port: number;
  /**
   * Stops taking connections, lets in-flight requests finish (up to `graceMs`, then
   * cuts what is left), then closes the database. Safe to call twice.
   */
  close(graceMs?: number): Promise<void>;
}

/** Serves an app on host:port (port 0 picks a free one). */
export function listen(
  app: Hono<Env>,
  store: FeedbackStore,
  opts: { port: number; host?: string },
): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: opts.port, hostname: host }) as Server;
    server.once('error', reject);
    server.once('listening', () => {
      const { port } = server.address() as AddressInfo;
      let closing: Promise<void> | null = null;
      const close = (graceMs = 10_000) =>
        (closing ??= (async () => {
          await new Promise<void>((done) => {
            const timer = setTimeout(() => server.closeAllConnections(), graceMs);
            // A keep-alive connection whose request finishes after close() turns idle but
            // stays open until its keep-alive timeout: keep sweeping idle ones.
            const sweep = setInterval(() => server.closeIdleConnections(), 25);
            server.close(() => {
              clearTimeout(timer);
              clearInterval(sweep);
              done();
            });
            server.closeIdleConnections();
          });
          await store.close();
        })());
      const shown = host.includes(':') ? `[${host}]` : host;
      resolve({ url: `http://${shown}:${port}`, port, close });
    });
  });
}
