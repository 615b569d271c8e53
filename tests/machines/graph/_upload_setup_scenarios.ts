/**
 * Real uploads that fail before any byte is sent, or in the steps around
 * the requests: the URL storage, the URL listener, the probe and the POST.
 *
 * @module
 */
import assert from "node:assert/strict";
import { TusCommunicationError } from "../../../mod.ts";
import { createTusApp, startTusServer } from "../../../src/testing/mod.ts";
import { selfSignedCertificate, serveHttps } from "../../runtime/_https.ts";
import { FailingUrlStorage, rejection, type Scenario } from "./_kit.ts";
import { bytes, CHUNK, clientOf, onlyUpload } from "./_upload_scenarios.ts";

export const SETUP_SCENARIOS: Scenario[] = [
  ...(["getUrl", "setUrl"] as const).map((call): Scenario => ({
    name: `the URL storage fails in ${call}`,
    faults: [`UrlStorage.${call} rejects`],
    run: async ({ server, recorder }) => {
      const urlStorage = new FailingUrlStorage(call);
      const client = clientOf(server, recorder, { storeUrl: true, urlStorage });
      const error = await rejection(
        client.uploadFile({ fileStream: bytes }),
        TusCommunicationError,
      );
      // Recalling fails before any upload exists; remembering just after.
      const url = call === "getUrl" ? null : onlyUpload(server);
      assert.equal(error.uploadUrl, url);
    },
  })),
  {
    name: "the URL storage fails in removeUrl of a stale URL",
    faults: ["stored URL", "forget(url, 410)", "UrlStorage.removeUrl rejects"],
    run: async ({ server, recorder }) => {
      const urlStorage = new FailingUrlStorage("removeUrl");
      const first = clientOf(server, recorder, { storeUrl: true, urlStorage });
      const old = await first.uploadFile({ fileStream: bytes, stopAt: CHUNK });
      server.faults.forget(old, 410);
      const again = clientOf(server, recorder, { storeUrl: true, urlStorage });
      const error = await rejection(
        again.uploadFile({ fileStream: bytes }),
        TusCommunicationError,
      );
      assert.equal(error.uploadUrl, old, "the URL it could not forget");
    },
  },
  {
    name: "onUploadUrlAvailable throws",
    faults: ["onUploadUrlAvailable rejects"],
    run: async ({ server, recorder }) => {
      const error = await rejection(
        clientOf(server, recorder).uploadFile({
          fileStream: bytes,
          onUploadUrlAvailable: () => Promise.reject(new Error("no thanks")),
        }),
        TusCommunicationError,
      );
      const url = onlyUpload(server);
      assert.equal(server.bytesOf(url)?.length, 0, "no PATCH before it");
      assert.equal(error.uploadUrl, url);
    },
  },
  {
    name: "a named checksum the server does not list",
    faults: ["server lists only sha256"],
    server: { checksumAlgorithms: ["sha256"] },
    run: async ({ server, recorder }) => {
      const client = clientOf(server, recorder, { checksum: "sha512" });
      await rejection(
        client.uploadFile({ fileStream: bytes }),
        TusCommunicationError,
      );
      assert.equal(server.uploads().length, 0, "nothing created");
    },
  },
  {
    name: "a 500 on the POST: not re-sent",
    faults: ["failNext(500, POST)"],
    run: async ({ server, recorder }) => {
      server.faults.failNext({ status: 500, method: "POST" });
      const client = clientOf(server, recorder);
      const error = await rejection(
        client.uploadFile({ fileStream: bytes }),
        TusCommunicationError,
      );
      assert.equal(error.statusCode, 500);
      assert.equal(error.uploadUrl, null);
      const posts = server.requests.filter((r) => r.method === "POST");
      assert.equal(posts.length, 1, "a POST that arrived is never re-sent");
    },
  },
  {
    name: "the server is down: the POST is refused, retried, given up",
    faults: ["closed server (ECONNREFUSED)"],
    run: async ({ recorder }) => {
      const gone = await startTusServer();
      await gone.close();
      const retries: number[] = [];
      const client = clientOf(gone, recorder, {
        maxRetries: 1,
        onRetry: (event) => void retries.push(event.attempt),
      });
      const error = await rejection(
        client.uploadFile({ fileStream: bytes }),
        TusCommunicationError,
      );
      assert.equal(error.statusCode, null);
      assert.deepEqual(retries, [1]);
    },
  },
  {
    name: "an https endpoint whose Location moves to http:",
    faults: ["HTTPS in front of the test app", "Location rewritten to http:"],
    run: async ({ recorder }) => {
      const tus = createTusApp();
      const pair = await selfSignedCertificate();
      await using https = await serveHttps(pair, async (request) => {
        const response = await tus.app.fetch(request);
        const location = response.headers.get("location");
        if (!location) return response;
        const headers = new Headers(response.headers);
        headers.set("location", location.replace(/^https:/, "http:"));
        return new Response(response.body, {
          status: response.status,
          headers,
        });
      });
      const endpoint = { url: `${https.origin}${tus.basePath}` };
      const client = clientOf(endpoint, recorder, { verifyTlsCert: false });
      const error = await rejection(
        client.uploadFile({ fileStream: bytes }),
        TusCommunicationError,
      );
      assert.match(error.message, /from https: to http:/);
      const methods = tus.requests.map((r) => r.method);
      assert.deepEqual(methods, ["POST"], "no byte goes out in clear text");
    },
  },
];
