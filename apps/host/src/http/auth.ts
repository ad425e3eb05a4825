import { applyDecorators, createParamDecorator, Inject, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiExtension } from '@nestjs/swagger';
import { ForbiddenError } from '@tollgate/errors';
import type { FastifyRequest } from 'fastify';
import { AccountsService, requireRole, type AccountCaller } from '../accounts/accounts.service.js';
import type { Caller, Role } from '../accounts/roles.js';
import { sessionToken } from '../sessions/session-cookie.js';
import { SessionsService } from '../sessions/sessions.service.js';

export type AuthMode = 'account' | 'admin' | 'public';
export const AUTH_KEY = 'tollgate:auth';

/** Who may call a route. Routes without it need an account key. */
export const Auth = (mode: AuthMode) => SetMetadata(AUTH_KEY, mode);

const ROLE_KEY = 'tollgate:min-role';
/** On an account route: the least role the key needs (403 insufficient_role), checked before the input is. */
export const MinRole = (role: Role) => applyDecorators(SetMetadata(ROLE_KEY, role), ApiExtension('x-min-role', role));

type WithCaller = FastifyRequest & { caller?: Caller };

export function bearer(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value ?? '');
  return match?.[1];
}

/** Methods that change nothing: the only ones a session cookie may send without the CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The first steps of the one request pipeline, for core and plugin routes alike (plugin routes are
 * Nest routes, see plugin-routes.ts): authenticate the key (or, without an Authorization header, the
 * tg_session cookie, whose writes need the CSRF token first), check its kind, then the route's role.
 * Guards run before pipes, so a key without the role gets 403 before its input is validated.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AccountsService) private readonly accounts: AccountsService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const mode = this.reflector.getAllAndOverride<AuthMode | undefined>(AUTH_KEY, [context.getHandler(), context.getClass()]) ?? 'account';
    if (mode === 'public') return true;
    const request = context.switchToHttp().getRequest<WithCaller>();
    const caller = await this.#authenticate(request);
    if (mode === 'admin' && caller.kind !== 'admin') throw new ForbiddenError({ code: 'admin_only', message: 'This needs a platform admin key.' });
    if (mode === 'account' && caller.kind !== 'account')
      throw new ForbiddenError({ code: 'account_key_required', message: 'This needs an account API key, not an admin key.' });
    const minRole = this.reflector.getAllAndOverride<Role | undefined>(ROLE_KEY, [context.getHandler(), context.getClass()]);
    if (minRole && caller.kind === 'account') requireRole(caller, minRole);
    request.caller = caller;
    return true;
  }

  /** A request with both a key and a cookie uses the key: scripts and the dashboard never mix. */
  async #authenticate(request: FastifyRequest): Promise<Caller> {
    const token = request.headers.authorization === undefined ? sessionToken(request.headers.cookie) : undefined;
    if (token === undefined) return this.accounts.authenticate(bearer(request.headers.authorization));
    const session = await this.sessions.authenticate({ token });
    if (!SAFE_METHODS.has(request.method)) this.sessions.checkCsrf({ session, sent: request.headers['x-csrf-token'] });
    return session.caller;
  }
}

/** The authenticated account caller of an 'account' route. */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): AccountCaller => {
  return context.switchToHttp().getRequest<WithCaller>().caller as AccountCaller;
});
