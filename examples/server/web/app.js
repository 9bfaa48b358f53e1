// Starts a report job and follows it over Server-Sent Events. No framework:
// fetch for the 202, EventSource for the progress, a link for the result.
"use strict";

(function () {
  const form = document.getElementById("report-form");
  const start = document.getElementById("start");
  const bar = document.getElementById("progress");
  const percent = document.getElementById("percent");
  const status = document.getElementById("status");
  const result = document.getElementById("result");

  // An Idempotency-Key per click: a retried POST (e.g. after a network
  // error) never starts a second report. crypto.randomUUID needs a secure
  // context, getRandomValues does not.
  function newKey() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, function (x) { return x.toString(16).padStart(2, "0"); }).join("");
  }

  function show(doc) {
    bar.value = doc.progress;
    percent.textContent = String(doc.progress);
    status.textContent = doc.status + (doc.message ? ": " + doc.message : "");
  }

  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    start.disabled = true;
    result.hidden = true;
    status.className = "";
    bar.value = 0;
    percent.textContent = "0";
    status.textContent = "submitting…";
    const body = {
      type: "sales_summary",
      date_range: { from: document.getElementById("from").value, to: document.getElementById("to").value },
    };
    let res;
    try {
      res = await fetch("/reports", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": newKey() },
        body: JSON.stringify(body),
      });
    } catch (err) {
      status.textContent = "network error: " + err;
      start.disabled = false;
      return;
    }
    const doc = await res.json();
    if (res.status !== 202) {
      status.className = "failed";
      status.textContent = doc.error ? doc.error.message : "HTTP " + res.status;
      start.disabled = false;
      return;
    }
    follow(doc.status_url);
  });

  // EventSource sends Accept: text/event-stream and reconnects with
  // Last-Event-ID; each record's event name is the job status.
  function follow(url) {
    const es = new EventSource(url);
    const done = function () { es.close(); start.disabled = false; };
    ["accepted", "processing"].forEach(function (name) {
      es.addEventListener(name, function (e) { show(JSON.parse(e.data)); });
    });
    es.addEventListener("completed", function (e) {
      const doc = JSON.parse(e.data);
      show(doc);
      result.href = doc.result_url;
      result.hidden = false;
      done();
    });
    ["failed", "canceled"].forEach(function (name) {
      es.addEventListener(name, function (e) {
        const doc = JSON.parse(e.data);
        show(doc);
        status.className = "failed";
        if (doc.error) { status.textContent = doc.status + ": " + doc.error.message; }
        done();
      });
    });
    es.onerror = function () {
      // A 204 after the terminal record ends the stream for good; other
      // errors are retried by the browser itself.
      if (es.readyState === EventSource.CLOSED) { done(); }
    };
  }
})();
