/**
 * The client names of the contract's second round, typed here so that the
 * lifecycle tests compile before and after the client gains them: the
 * option bags are widened, and `uploadUrl` is read from any error.
 *
 * @module
 */
import {
  type CreateUploaderOptions,
  type ResumeUploadOptions,
  TusClient,
  type TusClientOptions,
  type TusCommunicationError,
  type Uploader,
  type UploadFileOptions,
} from "../../mod.ts";

/** What `onRetry` receives. */
export interface RetryEvent {
  readonly error: TusCommunicationError;
  readonly attempt: number;
  readonly delayMs: number;
}

/** Client options with the second round's additions. */
export interface LifecycleClientOptions extends TusClientOptions {
  removeFingerprintOnSuccess?: boolean;
  onRetry?: (event: RetryEvent) => void;
}

/** What every upload method gains. */
export interface UrlHook {
  onUploadUrlAvailable?: (url: string) => void | Promise<void>;
}

/** A client with the second round's options. */
export function lifecycleClient(
  endpoint: string,
  options: LifecycleClientOptions = {},
): TusClient {
  return new TusClient(endpoint, options as TusClientOptions);
}

/** `client.uploadFile` with `onUploadUrlAvailable`. */
export function uploadFile(
  client: TusClient,
  options: UploadFileOptions & UrlHook,
): Promise<string> {
  return client.uploadFile(options as UploadFileOptions);
}

/** `client.resumeUpload` with `onUploadUrlAvailable`. */
export function resumeUpload(
  client: TusClient,
  options: ResumeUploadOptions & UrlHook,
): Promise<string> {
  return client.resumeUpload(options as ResumeUploadOptions);
}

/** `client.createUploader` with `onUploadUrlAvailable`. */
export function createUploader(
  client: TusClient,
  options: CreateUploaderOptions & UrlHook,
): Promise<Uploader> {
  return client.createUploader(options as CreateUploaderOptions);
}

/** The error's `uploadUrl`: a string, `null`, or `undefined` when missing. */
export function uploadUrlOf(error: unknown): string | null | undefined {
  return (error as { uploadUrl?: string | null }).uploadUrl;
}

/** The error, caught: fails the test when `promise` resolves. */
export async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("Cannot check the failure: the promise resolved");
}
