import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TusCommunicationError } from "../../mod.ts";
import {
  bodyExcerpt,
  failureMessage,
  reasonOf,
} from "../../src/cli/failure.ts";
import {
  formatEta,
  ProgressDisplay,
  type ProgressFigures,
  renderBar,
} from "../../src/cli/progress.ts";
import { formatLogEvent } from "../../src/cli/request_log.ts";

const MiB = 1024 * 1024;

function figures(change: Partial<ProgressFigures> = {}): ProgressFigures {
  return {
    label: "a-rather-long-file-name-for-a-video.mp4",
    sent: 300 * MiB,
    total: 1024 * MiB,
    speed: 12.5 * MiB,
    averageSpeed: 11 * MiB,
    ...change,
  };
}

describe("the progress bar", () => {
  test("is never wider than the terminal, from 1 to 300 columns", () => {
    const cases = [
      figures(),
      figures({ sent: 0, speed: 0, averageSpeed: 0 }),
      figures({ sent: 1024 * MiB }),
      figures({ total: null }),
      figures({ total: 0, sent: 0 }),
      figures({ sent: 5 * 1024 ** 4, total: 9 * 1024 ** 4, speed: 1 }),
    ];
    for (const shown of cases) {
      for (let columns = 1; columns <= 300; columns++) {
        const line = renderBar(shown, columns);
        assert.ok(
          [...line].length <= Math.max(1, columns - 1),
          `${columns}: ${JSON.stringify(line)}`,
        );
        assert.doesNotMatch(line, /[\r\n]/);
      }
    }
  });

  test("shows label, bar, percent, bytes, both speeds and the time left", () => {
    const line = renderBar(figures(), 120);
    assert.match(
      line,
      /^a-rather-long-file-… \[#+-+\] {2}29\.3% +300\.0 MiB\/1\.0 GiB +12\.5 MiB\/s avg 11\.0 MiB\/s eta 0:58 *$/,
    );
    assert.equal(line.length, 119);
    // Narrower: the average goes first, then the label, then the bar.
    assert.doesNotMatch(renderBar(figures(), 80), /avg/);
    assert.match(renderBar(figures(), 60), /^\[#+-+\] {2}29\.3%/);
    assert.doesNotMatch(renderBar(figures(), 40), /\[/);
  });

  test("a stream of unknown length shows bytes and speed only", () => {
    const line = renderBar(figures({ total: null }), 100);
    assert.match(line, /300\.0 MiB sent +12\.5 MiB\/s avg 11\.0 MiB\/s$/);
    assert.doesNotMatch(line, /%|eta|\[/);
  });

  test("the time left counts hours", () => {
    assert.equal(formatEta(5), "0:05");
    assert.equal(formatEta(754), "12:34");
    assert.equal(formatEta(3723), "1:02:03");
    assert.equal(formatEta(100 * 3600), "100:00:00");
    assert.equal(formatEta(null), "--:--");
    assert.equal(formatEta(Infinity), "--:--");
    const slow = renderBar(figures({ speed: 1000, averageSpeed: 1000 }), 200);
    assert.match(slow, /eta \d+:\d\d:\d\d/);
  });

  test("off a terminal: a line per 10 % step or per 5 s, nothing when quiet", () => {
    let now = 0;
    let sent = 0;
    let out = "";
    const display = new ProgressDisplay(
      { write: (t: string) => (out += t) },
      { read: () => ({ label: "f", sent, total: 1000 }) },
      { quiet: false, now: () => now },
    );
    for (sent = 0; sent <= 1000; sent += 10) {
      now += 10;
      display.changed();
    }
    const lines = out.trim().split("\n");
    assert.equal(lines.length, 11, out);
    assert.match(lines.at(-1)!, /^progress f 100\.0% 1000 B\/1000 B /);
    let quiet = "";
    const silent = new ProgressDisplay(
      { write: (t: string) => (quiet += t), isTTY: true },
      { read: () => ({ label: "f", sent, total: 1000 }) },
      { quiet: true },
    );
    silent.start();
    silent.changed();
    silent.note("a note");
    silent.stop();
    assert.equal(quiet, "");
  });
});

test("a resumed upload's speed counts only the bytes of this run", () => {
  let now = 0;
  let out = "";
  let moved = 0;
  const display = new ProgressDisplay(
    { write: (t: string) => (out += t), isTTY: true, columns: 200 },
    { read: () => ({ label: "f", sent: 800_000 + moved, total: 1e6, moved }) },
    { quiet: false, now: () => now },
  );
  display.start();
  now = 2000;
  moved = 2000;
  display.stop();
  assert.match(out, / 1000 B\/s avg 1000 B\/s /, out);
});

describe("failure lines", () => {
  test("a body excerpt is the first 200 bytes on one line", () => {
    const body = new TextEncoder().encode(
      `maintenance:\r\n  storage\tbackend unavailable ${"x".repeat(300)}`,
    );
    const excerpt = bodyExcerpt(body);
    assert.ok(excerpt.startsWith("maintenance: storage backend unavailable x"));
    assert.ok(excerpt.endsWith("…"));
    assert.ok([...excerpt].length <= 201);
    assert.equal(bodyExcerpt(null), "");
  });

  test("reasons: the status with the body, or the network cause", () => {
    const answered = new TusCommunicationError("Cannot send chunk: 500", {
      statusCode: 500,
      responseContent: new TextEncoder().encode("maintenance"),
    });
    assert.equal(reasonOf(answered), "server answered 500: maintenance");
    assert.equal(
      failureMessage(answered, "upload"),
      "Cannot send chunk: 500: maintenance",
    );
    const refused = new TusCommunicationError("Cannot create upload", {
      cause: new TypeError("fetch failed", {
        cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }),
      }),
    });
    assert.equal(reasonOf(refused), "connection refused (ECONNREFUSED)");
    assert.equal(
      failureMessage(refused, "upload"),
      "Cannot create upload: connection refused (ECONNREFUSED)",
    );
    const named = new TusCommunicationError(
      "Cannot create upload: network error ECONNREFUSED",
      { cause: refused.cause },
    );
    assert.equal(failureMessage(named, "upload"), named.message);
    assert.equal(
      failureMessage(
        new TusCommunicationError("Cannot read offset", {
          statusCode: 403,
        }),
        "info",
      ),
      "Cannot read offset (status 403)",
    );
  });

  test("-v lines show the tus headers, never credentials or query strings", () => {
    const request = formatLogEvent({
      type: "request",
      method: "PATCH",
      url: "http://h/files/1?token=secret",
      headers: {
        authorization: "Bearer secret",
        "upload-offset": "0",
        "upload-checksum": "sha1 abcdef=",
        "content-length": "5",
      },
    });
    assert.equal(
      request,
      "> PATCH http://h/files/1  upload-offset: 0; upload-checksum: sha1; content-length: 5",
    );
    assert.equal(
      formatLogEvent({
        type: "error",
        method: "HEAD",
        url: "http://h/files/1",
        message: "connection refused",
      }),
      "! HEAD http://h/files/1: connection refused",
    );
  });
});
