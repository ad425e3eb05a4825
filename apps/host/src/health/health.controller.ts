import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Auth } from '../http/auth.js';
import { HOST_STATE, type HostState } from '../host-state.js';
import { healthView, pluginsView } from './health.responses.js';

@ApiTags('platform')
@Auth('public')
@Controller()
export class HealthController {
  constructor(@Inject(HOST_STATE) private readonly state: HostState) {}

  @ApiResponse({ status: 200, standardSchema: healthView })
  @ApiResponse({ status: 503, description: 'The database does not answer (status: degraded)', standardSchema: healthView })
  @Get('health')
  @ApiOperation({ summary: 'Liveness and database readiness: 200 when the database answers, 503 otherwise' })
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    const database = await this.state.db.ping({ timeoutMs: 2_000 });
    const body = {
      status: database ? 'ok' : 'degraded',
      checks: { database: { status: database ? 'up' : 'down', engine: this.state.db.engine } },
      plugins: this.state.pluginHost.plugins.length,
      uptimeSeconds: Math.round((Date.now() - this.state.startedAt) / 1000),
    };
    void reply.status(database ? 200 : 503);
    return body;
  }

  @ApiResponse({ status: 200, standardSchema: pluginsView })
  @Get('plugins')
  @ApiOperation({ summary: 'Loaded plugins and what each adds: spend channels, payment providers, sources, exporters, routes' })
  plugins() {
    return { pluginApiVersion: this.state.pluginApiVersion, data: this.state.pluginHost.describe() };
  }
}
