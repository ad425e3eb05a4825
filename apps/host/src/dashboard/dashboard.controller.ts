import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AccountCaller } from '../accounts/accounts.service.js';
import { HOST_STATE, type HostState } from '../host-state.js';
import { Auth, CurrentCaller } from '../http/auth.js';
import { dashboardPanelViews } from './dashboard-panel-views.js';
import { dashboardPanelsList } from './dashboard-panels.responses.js';

/** What the web dashboard needs from the host besides the API it calls (issue 21). */
@ApiTags('dashboard')
@ApiBearerAuth()
@Auth('account')
@Controller('v1/dashboard')
export class DashboardController {
  constructor(@Inject(HOST_STATE) private readonly state: HostState) {}

  @Get('panels')
  @ApiOperation({
    summary:
      'The screens and settings panels the loaded plugins add to the dashboard, for the caller’s role: declarative forms and tables bound to the plugins’ own routes (paths resolved)',
  })
  @ApiResponse({ status: 200, standardSchema: dashboardPanelsList })
  panels(@CurrentCaller() caller: AccountCaller) {
    return { data: dashboardPanelViews({ panels: this.state.pluginHost.dashboardPanels, role: caller.role }) };
  }
}
