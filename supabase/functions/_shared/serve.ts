import type { FetchHandler } from '../../../apps/server/src/edge/edge-core.ts';

/** Set by local-router.ts before it imports the functions, so they register with it instead of listening. */
export const LOCAL_REGISTRY = Symbol.for('ipelya.edge-functions');

/**
 * Serves one edge function. On Supabase the runtime owns the socket and ignores the port; a plain
 * `deno run supabase/functions/<name>/index.ts` listens on PORT (Deno's default 8000 without it).
 */
export function serveFunction(name: string, handler: FetchHandler): void {
  const registry = (globalThis as Record<symbol, unknown>)[LOCAL_REGISTRY] as
    | Map<string, FetchHandler>
    | undefined;
  if (registry) {
    registry.set(name, handler);
    return;
  }
  const port = Deno.env.get('PORT');
  Deno.serve(port ? { port: Number(port) } : {}, handler);
}
