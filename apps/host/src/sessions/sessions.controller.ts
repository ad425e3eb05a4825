import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { AccountCaller } from '../accounts/accounts.service.js';
import { HOST_STATE, type HostState } from '../host-state.js';
import { Auth, CurrentCaller } from '../http/auth.js';
import { clearSessionCookie, sessionToken, setSessionCookie } from './session-cookie.js';
import { sessionAnswer } from './sessions.responses.js';
import { setPasswordBody, signInBody } from './sessions.schemas.js';
import { SessionsService } from './sessions.service.js';

/**
 * Sign-in for the dashboard. Public routes with their own rules: the session is read from the
 * tg_session cookie only (a bearer key is not a session), and signing out needs the CSRF token.
 */
@ApiTags('auth')
@Auth('public')
@Controller('auth')
export class SessionsController {
  constructor(
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(HOST_STATE) private readonly state: HostState,
  ) {}

  @Post('sessions')
  @ApiOperation({ summary: 'Sign in with e-mail and password (or an API key): sets the tg_session cookie, returns the session and its CSRF token' })
  @ApiResponse({ status: 201, standardSchema: sessionAnswer })
  @ApiResponse({ status: 401, description: 'invalid_credentials: the same answer for an unknown e-mail, a wrong password or key' })
  @ApiResponse({ status: 409, description: 'account_choice_required: the e-mail signs in to several accounts; details.accounts lists them' })
  @ApiResponse({ status: 429, description: 'too_many_attempts: 10 failures for this e-mail in 15 minutes; details.retryAfter in seconds' })
  async signIn(@Body({ schema: signInBody }) body: z.output<typeof signInBody>, @Res({ passthrough: true }) reply: FastifyReply) {
    const { token, csrfToken, session } = await this.sessions.signIn(body);
    setSessionCookie(reply, { token, maxAgeSeconds: this.sessions.maxAgeSeconds, secure: this.state.config.dashboard.secureCookies });
    return { session, csrfToken, serverTime: this.state.clock.now().toISOString() };
  }

  @Get('session')
  @ApiOperation({ summary: 'The session of the tg_session cookie, with its CSRF token' })
  @ApiResponse({ status: 200, standardSchema: sessionAnswer })
  @ApiResponse({ status: 401, description: 'unauthorized: no session, or it expired or was signed out' })
  async describe(@Req() request: FastifyRequest) {
    const answer = await this.sessions.describe({ token: sessionToken(request.headers.cookie) });
    return { ...answer, serverTime: this.state.clock.now().toISOString() };
  }

  @Delete('session')
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out (needs X-CSRF-Token); clears the cookie. Without a live session there is nothing to end: 204 too' })
  @ApiResponse({ status: 204, description: 'Signed out' })
  @ApiResponse({ status: 403, description: 'csrf_token_invalid: the X-CSRF-Token header is missing or not the session’s' })
  async signOut(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.sessions.signOut({ token: sessionToken(request.headers.cookie), csrfToken: request.headers['x-csrf-token'] });
    clearSessionCookie(reply, { secure: this.state.config.dashboard.secureCookies });
  }
}

/** A person's own password: any role may set it (a member too); a session or a key acting for the user. */
@ApiTags('account')
@ApiBearerAuth()
@Auth('account')
@Controller('v1/users/me')
export class OwnPasswordController {
  constructor(@Inject(SessionsService) private readonly sessions: SessionsService) {}

  @Put('password')
  @HttpCode(204)
  @ApiOperation({
    summary: "Set the caller's own password (at least 12 characters); the current one is needed when one is set. Ends the user's other sessions",
  })
  @ApiResponse({ status: 204, description: 'Set' })
  @ApiResponse({
    status: 403,
    description: 'current_password_invalid: the current password is missing or wrong; user_required: the key acts for no user; or the wrong kind of key',
  })
  @ApiResponse({ status: 429, description: 'too_many_attempts: too many wrong current passwords for this e-mail' })
  async setPassword(@CurrentCaller() caller: AccountCaller, @Body({ schema: setPasswordBody }) body: z.output<typeof setPasswordBody>) {
    await this.sessions.setOwnPassword({ caller, ...body });
  }
}
