import { CheckStatus } from '@portolan/plugin-compliance-common';

export const STATUS_LABEL: Record<CheckStatus, string> = {
  pass: 'pass',
  fail: 'fail',
  waived: 'waived',
  unknown: 'unknown',
};

export const STATUS_COLOR: Record<CheckStatus, string> = {
  pass: '#2e7d32',
  fail: '#c62828',
  waived: '#6a1b9a',
  unknown: '#757575',
};

export const LEVEL_COLOR: Record<string, string> = {
  Gold: '#b8860b',
  Silver: '#78909c',
  Bronze: '#a0522d',
  None: '#9e9e9e',
};

export const day = (iso: string) => iso.slice(0, 10);

export const score = (s: number | null | undefined) =>
  s === null || s === undefined ? '–' : `${s} %`;

export const refName = (ref: string) => ref.replace(/^[a-z]+:(default\/)?/, '');

/** The backend's reason for a failed request (a ResponseError's body), else the error's message. */
export function errorMessage(e: unknown): string {
  const body = (e as { body?: { error?: { message?: string } } }).body;
  return body?.error?.message ?? (e as Error).message;
}
