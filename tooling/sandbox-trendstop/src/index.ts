export {
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  EXPORT_RIGHTS_FORMULAS,
  FORMULAS,
  SANDBOX_KEYS,
  startTrendsTopSandbox,
  type ApiKeyRecord,
  type CompanyExportBody,
  type ExportCount,
  type ExportRecord,
  type Formula,
  type MalformedKind,
  type SandboxRequest,
  type TrendsTopSandbox,
  type TrendsTopSandboxControl,
  type TrendsTopSandboxInput,
  type TrendsTopSandboxState,
} from './trendstop-sandbox.server.js';
export { DATA_FIELDS, TEST_ENTERPRISE_NUMBERS, availabilityOf, hasNoData, seedCompanies, type DataField, type SandboxCompany } from './company-seed.js';
export { enterpriseNumberFor, formatEnterpriseNumber, isValidEnterpriseNumber } from './enterprise-number.js';
export { EMPLOYEE_CLASSES, JURIDICAL_FORMS, type EmployeesClass } from './belgian-reference.js';
