// The studio's page: live pages (server-sent events), overlays, the editor, Undo.
// Every change is a fetch carrying this run's token; no inline script or style anywhere.
"use strict";
(() => {
  const token = document.querySelector('meta[name="studio-token"]').content;
  const workspace = document.getElementById("workspace");
  const editor = document.getElementById("editor-body");
  const status = document.getElementById("status");
  const pagesStatus = document.getElementById("pages-status");
  const query = workspace.dataset.query;

  // what the user's last action did, and the pages' state: two regions, so a reload that
  // follows a save never overwrites the answer to it
  const say = (text) => { status.textContent = text; };
  const sayPages = (text) => { pagesStatus.textContent = text; };

  // overlays: classes on the body, so they survive the workspace being replaced
  for (const box of document.querySelectorAll("[data-overlay]")) {
    const name = "show-" + box.dataset.overlay;
    const saved = localStorage.getItem(name);
    if (saved !== null) box.checked = saved === "1";
    document.body.classList.toggle(name, box.checked);
    box.addEventListener("change", () => {
      document.body.classList.toggle(name, box.checked);
      localStorage.setItem(name, box.checked ? "1" : "0");
    });
  }

  // live pages
  async function refresh(version) {
    const response = await fetch("/workspace?" + query);
    if (!response.ok) return;
    const focused = document.activeElement && workspace.contains(document.activeElement)
      ? document.activeElement : null;
    const again = focused && (focused.id || focused.dataset.loc);
    workspace.innerHTML = await response.text();
    workspace.dataset.version = version;
    if (again) {
      const target = document.getElementById(again) ||
        [...workspace.querySelectorAll("[data-loc]")].find((e) => e.dataset.loc === again);
      if (target) target.focus();
    }
    const state = document.getElementById("state");
    sayPages(state ? state.textContent.trim() : "Updated.");
  }
  if (query) {
    const events = new EventSource("/events?" + query + "&version=" + workspace.dataset.version);
    events.onmessage = (event) => {
      if (event.data !== workspace.dataset.version) refresh(event.data);
    };
  }

  // the editor
  async function openEditor(file, loc) {
    editor.dataset.file = file;
    editor.dataset.loc = loc;
    const response = await fetch("/editor?" + new URLSearchParams({ file, loc }));
    editor.innerHTML = await response.text();
    const first = editor.querySelector("textarea");
    (first || editor).focus();
  }
  async function openSource(file, line) {
    const response = await fetch("/source?" + new URLSearchParams({ file, line }));
    editor.innerHTML = await response.text();
    editor.querySelector("pre, p").setAttribute("tabindex", "-1");
    editor.querySelector("pre, p").focus();
  }
  workspace.addEventListener("click", (event) => {
    const target = event.target.closest(".block, .edit-block, .overflow, .show-source");
    if (!target) return;
    event.preventDefault();
    if (target.dataset.loc) openEditor(target.dataset.file, target.dataset.loc);
    else openSource(target.dataset.file, target.dataset.line);
  });

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", referrerPolicy: "same-origin",
      headers: { "Content-Type": "application/json", "X-Studio-Token": token },
      body: JSON.stringify(body),
    });
    let answer = {};
    try { answer = await response.json(); } catch (e) { answer = { detail: response.statusText }; }
    return [response.status, answer];
  }
  function conflict(place, answer) {
    const diff = document.createElement("pre");
    diff.className = "diff";
    diff.textContent = answer.diff || "";
    diff.setAttribute("aria-label", "What changed on disk");
    diff.tabIndex = 0;
    place.append(diff);
  }
  editor.addEventListener("submit", async (event) => {
    const form = event.target.closest("form.edit");
    if (!form) return;
    event.preventDefault();
    const result = form.querySelector(".result");
    result.textContent = "Saving…";
    const [code, answer] = await post("/api/save", {
      file: form.dataset.file, loc: JSON.parse(form.dataset.loc),
      value: form.querySelector("textarea").value, base: form.dataset.base,
    });
    result.textContent = answer.detail;
    result.className = "result " + (code === 200 ? "ok" : "bad");
    if (code === 200) {
      for (const other of editor.querySelectorAll("form.edit")) other.dataset.base = answer.base;
      say(answer.detail);
    } else if (code === 409) {
      conflict(result, answer);
    }
  });
  const undo = document.getElementById("undo");
  if (undo) undo.addEventListener("click", async () => {
    const [code, answer] = await post("/api/undo", {});
    say(answer.detail);
    if (code === 409 && answer.diff) conflict(editor, answer);
    else if (editor.dataset.loc) openEditor(editor.dataset.file, editor.dataset.loc);
  });
})();
