// The page under test: tusflow, bundled for the browser as ./tusflow.js,
// uploads the File chosen in #file and shows its progress. Query parameters:
// `endpoint` (the tus creation URL), `mode` ("storeUrl": the client resumes
// by fingerprint through WebStorageUrlStorage; "manual": the page keeps the
// upload URL in localStorage itself and resumes it with createUploader),
// `chunkSize` (bytes) and `protocol` ("tus-v1", the default, or "ietf-draft",
// given to TusClient), `uploadUrl` (an upload to resume with resumeUpload,
// instead of the modes above).
// A computed specifier, so that type checkers do not look for the bundle.
const bundle = new URL("./tusflow.js", import.meta.url).href;
const { TusClient, WebStorageUrlStorage } = await import(bundle);

const params = new URLSearchParams(location.search);
const endpoint = params.get("endpoint") ?? "";
const mode = params.get("mode") === "manual" ? "manual" : "storeUrl";
const chunkSize = Number(params.get("chunkSize") ?? 262_144);
const protocol = params.get("protocol") ?? "tus-v1";
const givenUrl = params.get("uploadUrl");
const MANUAL_KEY = `tusflow-browser-test:${protocol}:upload-url`;

const byId = (id) => document.getElementById(id);
byId("mode").textContent = `${mode}, ${protocol}`;
byId("endpoint").textContent = endpoint;
const storedAtLoad = mode === "storeUrl"
  ? storedByClient()
  : localStorage.getItem(MANUAL_KEY);
byId("stored").textContent = storedAtLoad ?? "none";
document.body.dataset.state = "ready";

/** The URL tusflow's WebStorageUrlStorage holds, if any (one upload here). */
function storedByClient() {
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (key?.startsWith("tusflow::")) return localStorage.getItem(key);
  }
  return null;
}

function show(uploaded, total) {
  const percent = total ? Math.floor((uploaded * 100) / total) : 100;
  byId("bar").value = percent;
  byId("percent").textContent = `${percent}%`;
  byId("bytes").textContent = `${uploaded} of ${total} bytes`;
  document.body.dataset.uploaded = String(uploaded);
  document.body.dataset.total = String(total);
}

function setStatus(state, text) {
  document.body.dataset.state = state;
  const status = byId("status");
  status.className = state;
  status.textContent = text;
}

async function upload(file) {
  setStatus("uploading", `Uploading ${file.name} (${file.size} bytes)…`);
  const client = new TusClient(endpoint, {
    chunkSize,
    protocol,
    retryDelay: 10,
    ...(mode === "storeUrl"
      ? { storeUrl: true, urlStorage: new WebStorageUrlStorage() }
      : {}),
  });
  if (storedAtLoad) {
    const info = await client.getUploadInfo(storedAtLoad);
    byId("resumed").textContent = String(info.offset);
    document.body.dataset.resumedFrom = String(info.offset);
  }
  const onProgress = (stats) => {
    show(stats.uploadedBytes, stats.totalBytes);
    // Reports of bytes on their way that the server has not confirmed yet,
    // as "sent/uploaded" pairs.
    if (stats.sentBytes > stats.uploadedBytes) {
      const seen = document.body.dataset.inFlight;
      const pair = `${stats.sentBytes}/${stats.uploadedBytes}`;
      document.body.dataset.inFlight = seen ? `${seen},${pair}` : pair;
    }
  };
  const metadata = { filename: file.name, filetype: file.type };
  if (givenUrl) {
    return await client.resumeUpload({
      uploadUrl: givenUrl,
      fileStream: file,
      onProgress,
    });
  }
  if (mode === "storeUrl") {
    return await client.uploadFile({ fileStream: file, metadata, onProgress });
  }
  const uploader = await client.createUploader({
    fileStream: file,
    metadata,
    ...(storedAtLoad ? { uploadUrl: storedAtLoad } : {}),
  });
  try {
    localStorage.setItem(MANUAL_KEY, uploader.url);
    return await uploader.upload({ onProgress });
  } finally {
    await uploader.close();
  }
}

byId("file").addEventListener("change", async (event) => {
  const file = event.target.files?.[0];
  if (!file) return;
  try {
    const url = await upload(file);
    byId("url").textContent = url;
    document.body.dataset.url = url;
    setStatus("done", `Upload complete: ${file.name}`);
  } catch (error) {
    setStatus("failed", `Upload failed: ${error?.message ?? error}`);
  }
});
