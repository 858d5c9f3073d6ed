/**
 * gRPC status codes Argo CD's API server answers with, and the HTTP status
 * its grpc-gateway (v1.16, runtime.HTTPStatusFromCode) maps each to.
 */
export const GrpcCode = {
  Unknown: 2,
  InvalidArgument: 3,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  FailedPrecondition: 9,
  Internal: 13,
  Unauthenticated: 16,
} as const;

const HTTP_STATUS: Record<number, number> = {
  [GrpcCode.Unknown]: 500,
  [GrpcCode.InvalidArgument]: 400,
  [GrpcCode.NotFound]: 404,
  [GrpcCode.AlreadyExists]: 409,
  [GrpcCode.PermissionDenied]: 403,
  // grpc-gateway deliberately maps FailedPrecondition to 400, not 412.
  [GrpcCode.FailedPrecondition]: 400,
  [GrpcCode.Internal]: 500,
  [GrpcCode.Unauthenticated]: 401,
};

/** An Argo CD error: answered as `{error, code, message}` (runtimeError). */
export class ArgoError extends Error {
  readonly status: number;

  constructor(readonly code: number, message: string) {
    super(message);
    this.status = HTTP_STATUS[code] ?? 500;
  }

  get body() {
    return { error: this.message, code: this.code, message: this.message };
  }
}

export const invalidArgument = (message: string) =>
  new ArgoError(GrpcCode.InvalidArgument, message);
export const failedPrecondition = (message: string) =>
  new ArgoError(GrpcCode.FailedPrecondition, message);
export const unauthenticated = (message = 'no session information') =>
  new ArgoError(GrpcCode.Unauthenticated, message);
/** common.PermissionDeniedAPIError: what Argo CD says when it will not say more. */
export const permissionDenied = () =>
  new ArgoError(GrpcCode.PermissionDenied, 'permission denied');
/** A Kubernetes NotFound, as Argo CD passes it on (`applications.argoproj.io "x" not found`). */
export const notFound = (resource: string, name: string) =>
  new ArgoError(GrpcCode.NotFound, `${resource} "${name}" not found`);
