import { Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PaymentLinkProviderError, PaymentLinkService } from '@tollgate/invoice-sync';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HOST_STATE, publicBaseUrl, type HostState } from '../host-state.js';
import { Auth } from '../http/auth.js';
import { renderPayPage, renderUnknownPage } from './pay-page.html.js';

/** What CollectionRefService hands out: `pay_` and 32 base64url characters (a few more allowed). */
const payToken = z.string().regex(/^pay_[A-Za-z0-9_-]{16,64}$/);

/**
 * S-7 payment link page, for the customer's browser: no key (the unguessable token in the path is
 * the key to one invoice), HTML in the customer's language, never JSON. Not part of the JSON API,
 * so not in the OpenAPI document; the route audit lists these routes as public with their reason.
 */
@ApiExcludeController()
@Auth('public')
@Controller('pay')
export class PayPageController {
  constructor(
    @Inject(PaymentLinkService) private readonly links: PaymentLinkService,
    @Inject(HOST_STATE) private readonly state: HostState,
  ) {}

  @Get(':token')
  async show(@Param('token') token: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = payToken.safeParse(token).success ? await this.links.page({ token }) : null;
    if (!page) return this.#unknown(request, reply);
    return this.#html(reply, 200, renderPayPage({ page, token }));
  }

  /** The pay button: to the card provider's page (3-D Secure there), or back to this page when nothing is to be paid. */
  @Post(':token/card')
  @HttpCode(303)
  async pay(@Param('token') token: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!payToken.safeParse(token).success) return this.#unknown(request, reply);
    const returnUrl = `${this.#baseUrl()}/pay/${token}/return`;
    let outcome;
    try {
      outcome = await this.links.startCardPayment({ token, returnUrl });
    } catch (error) {
      if (!(error instanceof PaymentLinkProviderError)) throw error;
      this.state.logger.warn({ err: error.cause }, 'payment link: the card payment could not be started');
      const page = await this.links.page({ token });
      return this.#html(reply, error.status, renderPayPage({ page: page!, token, error: 'unavailable' }));
    }
    if (!outcome) return this.#unknown(request, reply);
    const location = outcome.kind === 'redirect' ? outcome.url : `/pay/${token}`;
    void reply.status(303).header('location', location).header('cache-control', 'no-store').send();
  }

  /** Where the card provider sends the payer back: the outcome, read at the provider if its webhook is not in yet. */
  @Get(':token/return')
  async returned(@Param('token') token: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = payToken.safeParse(token).success ? await this.links.returned({ token }) : null;
    if (!page) return this.#unknown(request, reply);
    return this.#html(reply, 200, renderPayPage({ page, token, outcome: 'returned' }));
  }

  #baseUrl(): string {
    return publicBaseUrl(this.state);
  }

  #unknown(request: FastifyRequest, reply: FastifyReply): void {
    this.#html(reply, 404, renderUnknownPage({ acceptLanguage: request.headers['accept-language'] }));
  }

  #html(reply: FastifyReply, status: number, html: string): void {
    void reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      // The token is in the URL: keep it out of caches and of other sites' Referer.
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
      .send(html);
  }
}
