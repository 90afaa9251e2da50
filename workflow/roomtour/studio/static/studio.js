// roomtour studio: plain JavaScript, no build step. Text a person typed is only ever set
// with textContent or value (never innerHTML), so it shows as text wherever it appears.
"use strict";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== false && v !== null && v !== undefined) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c) node.append(c);
  return node;
}

async function api(method, url, body) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (body instanceof FormData) opts.body = body;
  else if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
  const res = await fetch(url, opts);
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const d = data.detail;
    throw new Error(typeof d === "string" ? d : Array.isArray(d) ? d.map(e => `${(e.loc || []).slice(1).join(".")}: ${e.msg}`).join("; ") : `error ${res.status}`);
  }
  return data;
}

// ------------------------------------------------------------------ the listings page
const newListing = document.getElementById("new-listing");
if (newListing) {
  newListing.agent_name.addEventListener("change", () => {
    const opt = [...document.querySelectorAll("#agents option")].find(o => o.value === newListing.agent_name.value);
    if (opt) {
      newListing.agent_phone.value = opt.dataset.phone; newListing.agent_email.value = opt.dataset.email;
      newListing.brokerage.value = opt.dataset.brokerage;
    }
  });
  newListing.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = newListing;
    try {
      const l = await api("POST", "/api/listings", {
        address: f.address.value, price: f.price.value,
        agent: { name: f.agent_name.value, phone: f.agent_phone.value, email: f.agent_email.value, brokerage: f.brokerage.value },
      });
      location.href = `/listings/${l.id}`;
    } catch (e) { document.getElementById("new-error").textContent = e.message; }
  });
}

// ------------------------------------------------------------------ one listing
const root = document.getElementById("listing");
if (root) {
  const id = root.dataset.id;
  const moves = root.dataset.moves.split(",");
  const photosEl = document.getElementById("photos");
  const uploadsEl = document.getElementById("uploads");
  const jobsEl = document.getElementById("jobs");
  const form = document.getElementById("render");
  let polling = null;

  function photoItem(p) {
    const caption = el("input", { class: "caption", value: p.caption, maxlength: 120, placeholder: "no caption",
      "aria-label": "caption", onchange: async (ev) => { await api("PATCH", `/api/listings/${id}/photos/${p.id}`, { caption: ev.target.value }); } });
    const move = el("select", { "aria-label": "camera move", onchange: async (ev) => {
      await api("PATCH", `/api/listings/${id}/photos/${p.id}`, { move: ev.target.value }); } },
      ...moves.map(m => el("option", { value: m, selected: m === p.move, text: m.replace("_", " ") })));
    const preview = el("button", { type: "button", class: "small", text: "Preview", onclick: async (ev) => {
      const b = ev.target; b.disabled = true; b.textContent = "Making…";
      try {
        const r = await api("POST", `/api/listings/${id}/photos/${p.id}/preview`);
        const dlg = document.getElementById("preview-dialog");
        document.getElementById("preview-video").src = r.url; dlg.showModal();
      } catch (e) { alert(e.message); }
      b.disabled = false; b.textContent = "Preview";
    } });
    const remove = el("button", { type: "button", class: "small danger", text: "Remove", onclick: async () => {
      await api("DELETE", `/api/listings/${id}/photos/${p.id}`); load(); } });
    const li = el("li", { class: "photo", draggable: "true", "data-id": p.id },
      el("img", { src: `/media/photos/${p.id}/thumb`, alt: p.caption || "photo", draggable: "false" }),
      caption, el("div", { class: "row" }, move, preview, remove));
    li.addEventListener("dragstart", (ev) => { li.classList.add("dragging"); ev.dataTransfer.effectAllowed = "move"; ev.dataTransfer.setData("text/plain", p.id); });
    li.addEventListener("dragend", async () => {
      li.classList.remove("dragging");
      const ids = [...photosEl.children].map(c => Number(c.dataset.id));
      await api("PUT", `/api/listings/${id}/order`, { photo_ids: ids });
    });
    return li;
  }
  photosEl.addEventListener("dragover", (ev) => {
    const dragging = photosEl.querySelector(".dragging");
    if (!dragging) return;
    ev.preventDefault();
    const after = [...photosEl.querySelectorAll(".photo:not(.dragging)")].find(c => {
      const r = c.getBoundingClientRect();
      return ev.clientY < r.top + r.height / 2 || (ev.clientY < r.bottom && ev.clientX < r.left + r.width / 2);
    });
    photosEl.insertBefore(dragging, after || null);
  });

  function jobItem(j) {
    const box = el("div", { class: `job ${j.state}`, "data-job": j.id });
    const head = el("p", {}, el("strong", { text: `Render ${j.id}: ` }), el("span", { class: "state", text:
      j.state === "queued" ? `waiting, position ${j.queue_position} in the queue` : j.state }));
    box.append(head);
    if (j.message && j.state === "failed") box.append(el("p", { class: "error", text: j.message }));
    for (const f of j.formats) {
      const v = Math.round(100 * (j.progress[f] || 0));
      box.append(el("div", { class: "bar-row" }, el("span", { text: f }),
        el("progress", { max: 100, value: v, "data-format": f }), el("span", { class: "pct", text: `${v} %` })));
    }
    if (j.state === "queued" || j.state === "running")
      box.append(el("button", { type: "button", class: "small danger", text: "Cancel", onclick: async () => {
        await api("POST", `/api/jobs/${j.id}/cancel`); load(); } }));
    return box;
  }

  function showResults(last) {
    const card = document.getElementById("results-card");
    const res = document.getElementById("results");
    res.replaceChildren();
    if (!last) { card.hidden = true; return; }
    card.hidden = false;
    res.append(el("p", {}, el("a", { href: last.zip, class: "button", id: "zip", text: "Download all (ZIP)" })));
    const videos = last.files.filter(f => f.name.endsWith(".mp4"));
    for (const v of videos) {
      const stem = v.name.slice(0, -4);
      const poster = last.files.find(f => f.name === `${stem}.jpg`);
      const sheet = last.files.find(f => f.name === `${stem}.contact.png`);
      const ready = last.platforms[v.name] || "";
      res.append(el("figure", { class: "video" },
        el("video", { src: v.url, controls: true, preload: "metadata", poster: poster ? poster.url : null, playsinline: true }),
        el("figcaption", {}, el("a", { href: v.url, download: v.name, text: v.name }),
          ready ? el("div", { class: "muted", text: ready }) : null,
          el("div", {}, poster ? el("a", { href: poster.url, download: poster.name, text: "poster" }) : null,
            sheet ? el("span", { text: " · " }) : null,
            sheet ? el("a", { href: sheet.url, download: sheet.name, text: "contact sheet" }) : null))));
    }
  }

  async function load() {
    const l = await api("GET", `/api/listings/${id}`);
    photosEl.replaceChildren(...l.photos.map(photoItem));
    jobsEl.replaceChildren(...l.jobs.filter(j => j.state !== "superseded").slice(0, 3).map(jobItem));
    showResults(l.last_render);
    const musicState = document.getElementById("music-state");
    musicState.replaceChildren(l.has_music ? "music added · " : "no music",
      l.has_music ? el("a", { href: "#", text: "remove", onclick: async (ev) => {
        ev.preventDefault(); await api("DELETE", `/api/listings/${id}/music`); load(); } }) : "");
    document.getElementById("logo-state").textContent = l.has_logo ? "logo on the agent's card" : (l.agent ? "no logo" : "name the agent to add a logo");
    const active = l.jobs.some(j => j.state === "queued" || j.state === "running");
    if (active && !polling) polling = setInterval(load, 1000);
    if (!active && polling) { clearInterval(polling); polling = null; }
    const o = l.options || {};
    if (o.formats && !form.dataset.filled) {
      form.dataset.filled = "1";
      for (const box of form.querySelectorAll("input[name=formats]")) box.checked = o.formats.includes(box.value);
      for (const k of ["length", "seconds_per_photo", "title", "size", "target"]) if (o[k] !== undefined) form[k].value = o[k];
      form.unbranded.checked = !!o.unbranded; form.captions.checked = o.captions !== false;
    }
  }

  // one file after another, in the order chosen: the tour starts in that order, and a phone's
  // dozen photos do not all compete for the server at once
  function sendPhoto(file, row) {
    return new Promise((resolve) => {
      const data = new FormData(); data.append("files", file, file.name);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", `/api/listings/${id}/photos`);
      xhr.upload.onprogress = (ev) => { if (ev.lengthComputable) {
        const v = Math.round(100 * ev.loaded / ev.total); row.children[1].value = v; row.children[2].textContent = `${v} %`; } };
      xhr.onload = () => {
        let body = {}; try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        const err = xhr.status >= 400 ? (typeof body.detail === "string" ? body.detail : `error ${xhr.status}`)
          : (body.photos || []).map(p => p.error).filter(Boolean).join("; ");
        if (err) { row.classList.add("error"); row.children[2].textContent = err; }
        else { row.children[2].textContent = "done"; setTimeout(() => row.remove(), 1500); }
        resolve();
      };
      xhr.onerror = () => { row.classList.add("error"); row.children[2].textContent = "upload failed"; resolve(); };
      xhr.send(data);
    });
  }
  async function upload(files) {
    const rows = [...files].map(file => {
      const row = el("li", {}, el("span", { text: file.name }), el("progress", { max: 100, value: 0 }), el("span", { class: "pct", text: "waiting" }));
      uploadsEl.append(row);
      return [file, row];
    });
    for (const [file, row] of rows) { await sendPhoto(file, row); await load(); }
  }
  const drop = document.getElementById("drop");
  drop.addEventListener("dragover", (ev) => { if ([...ev.dataTransfer.types].includes("Files")) { ev.preventDefault(); drop.classList.add("over"); } });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (ev) => { ev.preventDefault(); drop.classList.remove("over"); upload(ev.dataTransfer.files); });
  document.getElementById("files").addEventListener("change", (ev) => { upload(ev.target.files); ev.target.value = ""; });

  async function sendFile(input, url) {
    if (!input.files.length) return;
    const data = new FormData(); data.append("file", input.files[0], input.files[0].name);
    try { await api("POST", url, data); document.getElementById("render-error").textContent = ""; input.value = ""; load(); }
    catch (e) { document.getElementById("render-error").textContent = e.message; input.value = ""; }
  }
  document.getElementById("music").addEventListener("change", (ev) => sendFile(ev.target, `/api/listings/${id}/music`));
  document.getElementById("logo").addEventListener("change", (ev) => sendFile(ev.target, `/api/listings/${id}/logo`));

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const err = document.getElementById("render-error");
    err.textContent = "";
    const options = {
      formats: [...form.querySelectorAll("input[name=formats]:checked")].map(b => b.value),
      length: Number(form.length.value || 0), seconds_per_photo: Number(form.seconds_per_photo.value),
      title: form.title.value, target: form.target.value, size: form.size.value.trim(),
      unbranded: form.unbranded.checked, captions: form.captions.checked,
    };
    try {
      await api("PUT", `/api/listings/${id}/options`, options);
      await api("POST", `/api/listings/${id}/renders`);
      load();
    } catch (e) { err.textContent = e.message; }
  });
  load();
}
