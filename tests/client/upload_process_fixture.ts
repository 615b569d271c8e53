/**
 * A child process for the cross-process resume test: uploads a file with
 * `storeUrl` and a file-backed URL storage, printing the URL when done.
 *
 * Arguments: endpoint, file path, storage path, chunk size.
 *
 * @module
 */
import process from "node:process";
import { FileUrlStorage, TusClient } from "../../mod.ts";

const [endpoint, filePath, storagePath, chunkSize] = process.argv.slice(-4);
const client = new TusClient(endpoint ?? "", {
  storeUrl: true,
  urlStorage: new FileUrlStorage(storagePath),
  chunkSize: Number(chunkSize),
  retryDelay: 1,
});
const url = await client.uploadFile({ filePath: filePath ?? "" });
console.log(JSON.stringify({ url }));
