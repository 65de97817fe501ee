/**
 * The web console (console/, built by vite into dist/console/) served at /ui: its files as they
 * are, hashed assets cached for good, any other /ui/… path answered with index.html (the console
 * routes in the browser). These are static files, not API: served without credentials in secure
 * mode too; the console then calls the API as kubectl does, with the user's credentials.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import { ApiError } from '../../shared/errors.js';

/** dist/console beside dist/services/gateway. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));

/** /ui and everything under it: the console's static files. */
export function isConsolePath(url: string): boolean {
  return /^\/ui(\/|$|\?)/.test(url);
}

/** Vite names the files under assets/ by their content hash: they never change under that name. */
export function cacheControlFor(relativePath: string): string {
  return /^assets\//.test(relativePath.replace(/^\/+/, '')) ? 'public, max-age=31536000, immutable' : 'no-cache';
}

export async function registerConsole(app: FastifyInstance, dir = CONSOLE_DIR): Promise<void> {
  if (!existsSync(`${dir}/index.html`)) {
    const missing = async () => {
      throw new ApiError('NotFound', 'the web console is not built (npm run build builds it into dist/console)');
    };
    app.get('/ui', missing);
    app.get('/ui/*', missing);
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/ui/',
    wildcard: false,
    index: false,
    cacheControl: false,
    setHeaders: (reply, path) => void reply.header('Cache-Control', cacheControlFor(path.slice(dir.length))),
  });
  const index = async (_req: unknown, reply: FastifyReply) =>
    reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html', dir, { cacheControl: false });
  app.get('/ui', index);
  app.get('/ui/*', index);
}
