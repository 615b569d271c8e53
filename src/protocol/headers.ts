/**
 * Names and fixed values of the tus 1.0.0 protocol.
 *
 * @module
 */

/** The protocol version this client speaks (tus 1.0.0, `Tus-Resumable`). */
export const TUS_VERSION = "1.0.0";

/** Content type required on every request that carries upload bytes. */
export const OFFSET_OCTET_STREAM = "application/offset+octet-stream";

/** Status code a tus server answers when `Upload-Checksum` does not match. */
export const CHECKSUM_MISMATCH = 460;
