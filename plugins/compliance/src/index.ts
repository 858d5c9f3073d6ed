export { default } from './plugin';
export { complianceApiRef } from './api/ComplianceApi';
export type { ComplianceApi } from './api/ComplianceApi';
export { ComplianceClient } from './api/ComplianceClient';
