import type { Flow } from '../flow.js';
import { provisionApiClients, type ApiSide } from './apiCredentials.js';
import defs from './apiDefs.schema.json' with { type: 'json' };
import { apiReport } from './apiReport.js';
import { openApiSession, type ApiSession } from './apiSession.js';
import { API_FAULT_KINDS } from './faults/index.js';
import { apiResponse } from './oracles/apiResponse.js';
import { exportComplete } from './oracles/exportComplete.js';
import { exportNoDuplicates } from './oracles/exportNoDuplicates.js';
import { exportPaginationInvariants } from './oracles/exportPaginationInvariants.js';
import { apiCreateOrders } from './steps/apiCreateOrders.js';
import { apiPull } from './steps/apiPull.js';
import { apiRequest } from './steps/apiRequest.js';

/**
 * A partner calling our partner API (client mode): the fake partner gets OAuth2 tokens with its
 * client's secret, pulls the order export page by page and creates orders, misbehaving on request
 * (faults). The client secrets are provisioned per run; the client starts per scenario; every call
 * is an exchange; the export is judged against the ops API's control query (export.complete,
 * export.noDuplicates, export.paginationInvariants) and each answer against the contract
 * (api.response).
 */
export const apiFlow: Flow<ApiSide, ApiSession> = {
  mode: 'api',
  title: 'the partner gets OAuth2 tokens, pulls our order export and creates orders over /v1',
  role: 'client',
  steps: [apiPull, apiCreateOrders, apiRequest],
  faults: API_FAULT_KINDS,
  oracles: [exportComplete, exportNoDuplicates, exportPaginationInvariants, apiResponse],
  schemaDefs: defs,
  appliesTo: (profile) => profile.api !== undefined,
  provision: provisionApiClients,
  openSession: openApiSession,
  report: apiReport,
};
