import { formatMoney } from '@portolan/plugin-finops-common';

export const ENV_COLOURS: Record<string, string> = {
  prod: '#1565c0',
  staging: '#7b1fa2',
  dev: '#2e7d32',
};
export const RESOURCE_COLOURS: Record<string, string> = {
  cpu: '#1565c0',
  memory: '#00897b',
  storage: '#6d4c41',
  network: '#f9a825',
  loadBalancer: '#c62828',
  other: '#757575',
};
export const RESOURCE_LABELS: Record<string, string> = {
  cpu: 'CPU',
  memory: 'Memory',
  storage: 'Storage',
  network: 'Network',
  loadBalancer: 'Load balancer',
  other: 'Other',
};
const PALETTE = [
  '#1565c0',
  '#7b1fa2',
  '#2e7d32',
  '#ef6c00',
  '#00838f',
  '#ad1457',
];
export const colourOf = (key: string, i: number) =>
  ENV_COLOURS[key] ?? RESOURCE_COLOURS[key] ?? PALETTE[i % PALETTE.length];

export const money = (v: number, currency: string, compact = false) =>
  formatMoney(v, currency, { compact });
export const shortDay = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  });
export const refName = (ref: string) => ref.split('/').pop() ?? ref;
export const cores = (v: number) =>
  `${v.toLocaleString('en-GB', { maximumFractionDigits: 2 })} cores`;
export const bytes = (v: number) =>
  v >= 1024 ** 3
    ? `${(v / 1024 ** 3).toFixed(1)} GiB`
    : `${Math.round(v / 1024 ** 2).toLocaleString('en-GB')} MiB`;
