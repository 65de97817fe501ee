/**
 * The web console (console/, built by vite into dist/console/) served at /ui: its files as they
 * are, hashed assets cached for good, any other /ui/… path answered with index.html (the console
 * routes in the browser). These are static files, not API: served without credentials in secure
 * mode too; the console then calls the API as kubectl does, with the user's credentials.
 * (A small handler: @fastify/static pulls in content-disposition 3, whose engines want Node ≥ 22.)
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file a /ui URL names, relative to the console's directory, or undefined for the index
 * (the SPA fallback). Never outside the directory: `..` and encoded separators fall back too.
 */
export function consoleFile(url: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(url.split('?')[0]!.replace(/^\/ui\/?/, ''));
  } catch {
    return undefined;
  }
  if (!path || path.includes('\0') || path.includes('\\')) return undefined;
  const n = normalize(path);
  if (n.startsWith('..') || n.startsWith(sep) || n.split(sep).includes('..')) return undefined;
  return n;
}

export async function registerConsole(app: FastifyInstance, dir = CONSOLE_DIR): Promise<void> {
  const send = async (reply: FastifyReply, rel: string) => {
    const body = await readFile(join(dir, rel));
    return reply.header('Cache-Control', cacheControlFor(rel)).type(contentTypeFor(rel)).send(body);
  };
  const serve = async (req: FastifyRequest, reply: FastifyReply) => {
    const rel = consoleFile(req.url);
    if (rel && (await stat(join(dir, rel)).then((s) => s.isFile(), () => false))) return send(reply, rel);
    // A missing hashed asset is a 404 (an old page asking for a file a new build replaced), not the index.
    if (rel?.startsWith(`assets${sep}`)) throw new ApiError('NotFound', 'the server could not find the requested resource');
    if (!(await stat(join(dir, 'index.html')).then(() => true, () => false))) {
      throw new ApiError('NotFound', 'the web console is not built (npm run build builds it into dist/console)');
    }
    return send(reply, 'index.html');
  };
  app.get('/ui', serve);
  app.get('/ui/*', serve);
}
