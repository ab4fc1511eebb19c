import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import type { HttpResponse } from './http.js';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  readonly log: Logger;
  /** Aborts when the client disconnects (long-polls stop waiting). Created on first use. */
  readonly signal: AbortSignal;
}

export type RouteHandler = (ctx: RouteContext) => Promise<HttpResponse> | HttpResponse;

interface Route {
  method: string;
  parts: string[];
  handler: RouteHandler;
}

export type Match =
  | { kind: 'found'; handler: RouteHandler; params: Record<string, string> }
  | { kind: 'method_not_allowed'; allow: string[] }
  | { kind: 'not_found' };

/** A very small router: `/v1/tokens/:id/cancel` style patterns, exact segments otherwise. */
export function createRouter() {
  const routes: Route[] = [];

  function matchParts(parts: string[], segments: string[]): Record<string, string> | undefined {
    if (parts.length !== segments.length) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      const segment = segments[i] as string;
      if (part.startsWith(':')) {
        try {
          params[part.slice(1)] = decodeURIComponent(segment);
        } catch {
          return undefined;
        }
      } else if (part !== segment) {
        return undefined;
      }
    }
    return params;
  }

  const router = {
    add(method: string, pattern: string, handler: RouteHandler) {
      routes.push({ method, parts: pattern.split('/').filter(Boolean), handler });
      return router;
    },
    match(method: string, pathname: string): Match {
      const segments = pathname.split('/').filter(Boolean);
      const allow: string[] = [];
      for (const route of routes) {
        const params = matchParts(route.parts, segments);
        if (!params) continue;
        if (route.method === method || (method === 'HEAD' && route.method === 'GET')) {
          return { kind: 'found', handler: route.handler, params };
        }
        allow.push(route.method);
      }
      return allow.length ? { kind: 'method_not_allowed', allow } : { kind: 'not_found' };
    },
  };
  return router;
}

export type Router = ReturnType<typeof createRouter>;
