export { compliancePlugin as default } from './plugin';
export { ComplianceStore } from './database/ComplianceStore';
export { ComplianceService } from './services/ComplianceService';
export { ComplianceEvaluator } from './services/ComplianceEvaluator';
export { evaluateChecks } from './services/evaluateChecks';
export { readComplianceConfig } from './config/ComplianceConfig';
export type { ServiceFacts } from './facts/ServiceFacts';
