"use strict";
// The promshard dashboard: polls the coordinator's REST API and renders it. Every value from the
// API goes into the page through textContent or attributes, never through HTML parsing.
(function () {
  const params = new URLSearchParams(location.search);
  const refreshMs = Math.max(500, Number(params.get("refresh") || 2) * 1000);
  const svgNs = "http://www.w3.org/2000/svg";
  const tokenInput = document.getElementById("token");
  tokenInput.value = sessionStorage.getItem("promshard-token") || "";
  tokenInput.addEventListener("change", () => sessionStorage.setItem("promshard-token", tokenInput.value));

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, String(v)));
    children.forEach(c => e.append(c instanceof Node ? c : document.createTextNode(String(c))));
    return e;
  }

  async function get(path) {
    const r = await fetch(path, { headers: { Accept: "application/json" } });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) { throw new Error(body.message || ("HTTP " + r.status)); }
    return body;
  }

  function card(k, v) {
    return el("div", { class: "card" }, el("div", { class: "k" }, k), el("div", { class: "v" }, v));
  }

  function renderStatus(s) {
    const health = document.getElementById("health");
    const problems = [];
    if (!s.leader) { problems.push("no leader"); }
    if (s.unassigned > 0) { problems.push(s.unassigned + " unassigned"); }
    if (Object.keys(s.inventoryErrors || {}).length > 0) { problems.push("inventory refused"); }
    // ZooKeeper did not answer in time: epoch and election are the last ones read
    if (s.stale) { problems.push("ZooKeeper not answering: stale"); }
    if (s.publishHeld) { problems.push("publishing held: " + s.publishHeld); }
    const conflicts = Object.keys(s.workerConflicts || {});
    if (conflicts.length > 0) { problems.push("worker id claimed twice: " + conflicts.join(", ")); }
    health.textContent = problems.length ? problems.join(", ") : "healthy";
    health.className = "badge " + (!s.leader || s.unassigned > 0 || s.publishHeld ? "bad" : problems.length ? "warn" : "ok");
    const cards = document.getElementById("cluster");
    cards.replaceChildren(
      card("leader", s.leader || "none"),
      card("epoch", s.epoch),
      card("workers", s.workers),
      card("targets", s.targets),
      card("unassigned", s.unassigned),
      card("busiest / fair", s.balance ? s.balance.maxOverMean.toFixed(3) : "n/a"),
      card("hand-offs", s.handoffs),
      card("coordinators", (s.coordinators || []).length),
      // capacity advice: shown when assignment.seriesPerWorker is set and workers report series
      ...(s.capacity ? [card("workers needed", s.capacity.recommendedWorkers
        + (s.capacity.drainFirst ? " (drain " + s.capacity.drainFirst + " first)" : ""))] : []));
  }

  function renderWorkers(workers) {
    const active = workers.filter(w => w.state === "ACTIVE" && !w.drained);
    const mean = active.length ? active.reduce((a, w) => a + w.targets, 0) / active.length : 0;
    const max = Math.max(1, mean * 2, ...workers.map(w => w.targets));
    const rows = workers.map(w => {
      const bar = el("div", { class: "bar", title: w.targets + " targets, mean " + mean.toFixed(1) });
      const fill = el("span", {});
      fill.style.width = (100 * w.targets / max).toFixed(1) + "%";
      const meanMark = el("i", {});
      meanMark.style.left = (100 * mean / max).toFixed(1) + "%";
      bar.append(fill, meanMark);
      const button = el("button", { type: "button", "data-worker": w.id }, w.drained ? "undrain" : "drain");
      button.addEventListener("click", () => drain(w.id, !w.drained));
      const state = w.drained && w.state === "ACTIVE" ? "DRAINED" : w.state;
      return el("tr", { "data-worker": w.id },
        el("td", {}, w.id), el("td", { class: "state-" + w.state }, state), el("td", {}, w.zone || "-"),
        el("td", {}, w.capacity), el("td", {}, w.targets + (w.handoffTargets ? " (+" + w.handoffTargets + ")" : "")),
        el("td", {}, w.series < 0 ? "-" : w.series),
        el("td", {}, w.ackedEpoch < 0 ? "-" : w.ackedEpoch + (w.lagEpochs > 0 ? " (lag " + w.lagEpochs + ")" : "")),
        el("td", {}, bar), el("td", {}, button));
    });
    document.querySelector("#workers tbody").replaceChildren(...rows);
    renderChart(workers, mean, max);
  }

  function renderChart(workers, mean, max) {
    const svg = document.getElementById("chart");
    const width = svg.clientWidth || 600;
    const height = 180;
    const bottom = 30;
    const step = workers.length ? width / workers.length : width;
    const nodes = [];
    workers.forEach((w, i) => {
      const h = (height - bottom - 10) * w.targets / max;
      const rect = document.createElementNS(svgNs, "rect");
      rect.setAttribute("x", String(i * step + step * 0.15));
      rect.setAttribute("width", String(Math.max(1, step * 0.7)));
      rect.setAttribute("y", String(height - bottom - h));
      rect.setAttribute("height", String(h));
      rect.setAttribute("fill", w.state === "ACTIVE" && !w.drained ? "#4a76c9" : "#b0b7c3");
      const title = document.createElementNS(svgNs, "title");
      title.textContent = w.id + ": " + w.targets + " targets";
      rect.append(title);
      const label = document.createElementNS(svgNs, "text");
      label.setAttribute("x", String(i * step + step / 2));
      label.setAttribute("y", String(height - 10));
      label.setAttribute("text-anchor", "middle");
      label.setAttribute("font-size", "11");
      label.textContent = w.id;
      nodes.push(rect, label);
    });
    const line = document.createElementNS(svgNs, "line");
    const y = height - bottom - (height - bottom - 10) * mean / max;
    line.setAttribute("x1", "0"); line.setAttribute("x2", String(width));
    line.setAttribute("y1", String(y)); line.setAttribute("y2", String(y));
    line.setAttribute("stroke", "#1d2330"); line.setAttribute("stroke-dasharray", "4 3");
    nodes.push(line);
    svg.replaceChildren(...nodes);
  }

  function renderEvents(events) {
    const rows = events.slice(0, 20).map(e => el("tr", {},
      el("td", {}, new Date(e.timeMillis).toLocaleTimeString()), el("td", {}, e.epoch),
      el("td", {}, e.causes.join(", ")), el("td", {}, e.moved), el("td", {}, e.changedWorkers.length),
      el("td", {}, e.durationMillis + " ms")));
    document.querySelector("#events tbody").replaceChildren(...rows);
  }

  function renderCoverage(coverage) {
    const rows = coverage instanceof Error
      ? [el("tr", {}, el("td", { colspan: "6", class: "muted" }, coverage.message))]
      : coverage.jobs.map(j => el("tr", { "data-job": j.job },
        el("td", {}, j.job), el("td", {}, j.replication), el("td", {}, j.targets), el("td", {}, j.covered),
        el("td", { class: j.under > 0 ? "bad" : "" }, j.under), el("td", {}, j.over)));
    document.querySelector("#coverage tbody").replaceChildren(...rows);
  }

  async function drain(worker, on) {
    const status = document.getElementById("action");
    try {
      const r = await fetch("/api/v1/workers/" + encodeURIComponent(worker) + "/drain", {
        method: on ? "POST" : "DELETE",
        headers: { "Content-Type": "application/json", Authorization: "Bearer " + tokenInput.value },
        body: on ? JSON.stringify({ reason: "dashboard" }) : undefined });
      const body = await r.json().catch(() => ({}));
      status.textContent = r.ok ? (on ? "draining " : "undrained ") + worker : "refused: " + (body.message || r.status);
      refresh();
    } catch (e) {
      status.textContent = "failed: " + e.message;
    }
  }

  document.getElementById("lookup").addEventListener("submit", async ev => {
    ev.preventDefault();
    const job = document.getElementById("lookup-job").value.trim();
    const address = document.getElementById("lookup-address").value.trim();
    const out = document.getElementById("lookup-result");
    try {
      const t = await get("/api/v1/targets/" + encodeURIComponent(job) + "/" + encodeURIComponent(address));
      const rows = t.candidates.slice(0, 8).map(c => el("tr", {},
        el("td", {}, c.rank || "-"), el("td", {}, c.worker), el("td", {}, c.owner ? "owner" : ""),
        el("td", {}, c.state), el("td", {}, c.score.toFixed(3)),
        el("td", {}, c.load.toFixed(0) + " / " + c.bound.toFixed(0))));
      out.replaceChildren(
        el("p", {}, t.key + ": owned by " + (t.owners.join(", ") || "nobody") + ", scraped by "
          + (t.scrapedBy.join(", ") || "nobody") + " (replication " + t.replication + ", hash " + t.hash
          + ", slot " + t.slot + ")"),
        el("p", {}, "why: " + t.reason),
        el("table", { id: "lookup-candidates" },
          el("thead", {}, el("tr", {}, ...["rank", "worker", "", "state", "score", "load / bound"].map(h => el("th", {}, h)))),
          el("tbody", {}, ...rows)));
    } catch (e) {
      out.replaceChildren(el("p", { class: "muted" }, e.message));
    }
  });

  async function refresh() {
    try {
      // a standby answers 503 for the events (the leader keeps them): show the leader's name instead
      const [status, workers, events, coverage] = await Promise.all([get("/api/v1/status"), get("/api/v1/workers"),
        get("/api/v1/events").catch(e => e), get("/api/v1/coverage").catch(e => e)]);
      renderStatus(status);
      renderWorkers(workers);
      renderCoverage(coverage);
      if (events instanceof Error) {
        document.querySelector("#events tbody").replaceChildren(el("tr", {},
          el("td", { colspan: "6", class: "muted" }, events.message)));
      } else {
        renderEvents(events);
      }
      document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
    } catch (e) {
      const health = document.getElementById("health");
      health.textContent = "coordinator unreachable: " + e.message;
      health.className = "badge bad";
    }
  }

  refresh();
  setInterval(refresh, refreshMs);
})();
