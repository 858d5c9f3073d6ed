import { CompoundEntityRef } from '@backstage/catalog-model';
import { createApiRef } from '@backstage/frontend-plugin-api';
import {
  CheckDefinition,
  ComplianceSummary,
  ServiceCompliance,
  Waiver,
} from '@portolan/plugin-compliance-common';

/** Every check, the longest waiver and the groups whose members decide waivers. */
export interface ComplianceChecksInfo {
  checks: CheckDefinition[];
  waiverMaxDays: number;
  waiverApproverGroups: string[];
}

export interface SummaryFilter {
  team?: string;
  system?: string;
  lifecycle?: string;
  group?: string;
}

export interface ComplianceApi {
  getService(entity: CompoundEntityRef): Promise<ServiceCompliance>;
  getSummary(filter: SummaryFilter): Promise<ComplianceSummary>;
  getChecks(): Promise<ComplianceChecksInfo>;
  listWaivers(status?: 'pending' | 'approved' | 'rejected'): Promise<Waiver[]>;
  requestWaiver(
    entity: CompoundEntityRef,
    body: { checkId: string; reason: string; expiresAt: string },
  ): Promise<Waiver>;
  decideWaiver(id: string, approve: boolean, comment?: string): Promise<Waiver>;
  /** The evidence export of a range, as the file's text. */
  exportEvidence(
    from: string,
    to: string,
    format: 'csv' | 'json',
  ): Promise<string>;
}

export const complianceApiRef = createApiRef<ComplianceApi>({
  id: 'plugin.compliance',
});
