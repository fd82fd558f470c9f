// Entry grid: move with arrows and Enter, fill a column, keep the count of empty cells, paste a
// block copied from a spreadsheet, undo the last paste or edit. The server decides every value;
// a refused cell keeps what was stored (data-saved), which the count uses and ↺ or Escape restore.
(function () {
  const grid = document.getElementById("grid");
  if (!grid) return;
  const status = document.getElementById("grid-status");
  const undoButton = document.getElementById("undo");
  let lastChange = null; // [{student, key, value}] the values before the last paste or edit
  let pending = null; // the cell being saved by htmx: {student, key, before}

  const inputs = () => Array.from(grid.querySelectorAll("tbody tr")).map((tr) => Array.from(tr.querySelectorAll("input.cell-input")));
  function position(input) {
    const rows = inputs();
    for (let r = 0; r < rows.length; r++) { const c = rows[r].indexOf(input); if (c >= 0) return [r, c, rows]; }
    return [-1, -1, rows];
  }
  function focusAt(rows, r, c) {
    if (r < 0 || r >= rows.length) return;
    const row = rows[r]; if (!row.length) return;
    const target = row[Math.max(0, Math.min(c, row.length - 1))];
    target.focus(); target.select();
  }
  function say(text) { if (status) status.textContent = text; }
  function format(template, values) { return template.replace(/%\((\w+)\)s/g, (_m, name) => String(values[name])); }
  function cellInput(student, key) { return grid.querySelector(`input.cell-input[data-student="${student}"][data-key="${key}"]`); }
  function restore(input) { input.value = input.dataset.saved; input.dispatchEvent(new Event("change", {bubbles: true})); }
  function setUndo(change) {
    lastChange = change && change.length ? change : null;
    if (undoButton) undoButton.disabled = !lastChange;
  }

  grid.addEventListener("keydown", (event) => {
    const input = event.target.closest("input.cell-input"); if (!input) return;
    const [r, c, rows] = position(input);
    const atStart = input.selectionStart === 0 && input.selectionEnd === 0;
    const atEnd = input.selectionStart === input.value.length;
    if (event.key === "Enter" || event.key === "ArrowDown") { event.preventDefault(); input.dispatchEvent(new Event("change", {bubbles: true})); focusAt(rows, r + 1, c); }
    else if (event.key === "ArrowUp") { event.preventDefault(); input.dispatchEvent(new Event("change", {bubbles: true})); focusAt(rows, r - 1, c); }
    else if (event.key === "ArrowRight" && (atEnd || input.dataset.field !== "comment")) { event.preventDefault(); focusAt(rows, r, c + 1); }
    else if (event.key === "ArrowLeft" && (atStart || input.dataset.field !== "comment")) { event.preventDefault(); focusAt(rows, r, c - 1); }
    else if (event.key === "Escape" && input.getAttribute("aria-invalid") === "true") { event.preventDefault(); restore(input); }
    else if ((event.ctrlKey || event.metaKey) && event.key === "z" && lastChange && input.value === input.dataset.saved) { event.preventDefault(); undo(); }
  });
  // Normalise rating letters as typed: t→T, h→H, c→C, d→Đ.
  grid.addEventListener("input", (event) => {
    const input = event.target.closest("input.cell-input.rating"); if (!input) return;
    const map = {t: "T", h: "H", c: "C", d: "Đ", "đ": "Đ"};
    const v = input.value.trim(); if (v.length === 1 && map[v.toLowerCase()]) input.value = map[v.toLowerCase()];
  });
  // Remember what a cell held before htmx saves it, for the undo (capture: before htmx's listener).
  grid.addEventListener("change", (event) => {
    const input = event.target.closest("input.cell-input"); if (!input) return;
    pending = {student: input.dataset.student, key: input.dataset.key, before: input.dataset.saved};
  }, true);

  function recount() {
    const count = Array.from(grid.querySelectorAll("input.cell-input"))
      .filter((i) => i.dataset.field !== "comment" && (i.dataset.saved || "").trim() === "").length;
    const label = document.querySelector("#empty-count b");
    if (label) label.textContent = String(count);
  }
  // Only the last saved cell keeps its mark, and only for a moment.
  function markSaved(td) {
    grid.querySelectorAll("td.cell.saved").forEach((other) => { if (other !== td) other.classList.remove("saved"); });
    // every other mark goes, however it came (a late answer of an earlier save included)
    grid.querySelectorAll(".state.ok").forEach((mark) => { if (!td.contains(mark)) mark.remove(); });
    td.classList.add("saved");
    window.setTimeout(() => { td.classList.remove("saved"); td.querySelectorAll(".state.ok").forEach((m) => m.remove()); }, 2500);
  }
  function settle() {
    grid.querySelectorAll("td[data-fresh]").forEach((td) => {
      td.removeAttribute("data-fresh");
      const input = td.querySelector("input.cell-input");
      if (td.classList.contains("saved")) {
        markSaved(td);
        say(`${grid.dataset.msgSaved}: ${input.getAttribute("aria-label")}`);
        if (pending && pending.key === input.dataset.key && pending.student === input.dataset.student && pending.before !== input.dataset.saved) {
          setUndo([{student: pending.student, key: pending.key, value: pending.before}]);
        }
      } else if (td.classList.contains("refused")) {
        const message = td.querySelector(".state.bad");
        say(`${input.getAttribute("aria-label")}: ${message ? message.textContent : ""}`);
      }
    });
    pending = null;
    recount();
  }
  document.body.addEventListener("htmx:afterSettle", settle);
  grid.addEventListener("click", (event) => {
    const back = event.target.closest("button.restore");
    if (back) { const input = back.closest("td").querySelector("input.cell-input"); restore(input); input.focus(); return; }
    const button = event.target.closest("button.fill"); if (!button) return;
    const value = window.prompt(grid.dataset.fillPrompt); if (value === null || value.trim() === "") return;
    const col = Number(button.dataset.col);
    grid.querySelectorAll("tbody tr").forEach((tr) => {
      const cell = tr.querySelectorAll("td.cell, td.readonly")[col];
      const input = cell && cell.querySelector("input.cell-input");
      if (input && input.value.trim() === "") { input.value = value.trim(); input.dispatchEvent(new Event("change", {bubbles: true})); }
    });
  });

  // A cell answered by a batch: shown as saved (with its new stored value) or refused (the typed
  // value kept in the input, the stored one restorable), like the cells htmx re-renders.
  function showSaved(input, value) {
    const td = input.closest("td");
    input.value = value; input.dataset.saved = value;
    input.removeAttribute("aria-invalid"); input.removeAttribute("aria-describedby");
    td.classList.remove("refused");
    td.querySelectorAll(".state, button.restore").forEach((el) => el.remove());
  }
  function showRefused(input, value, message, code) {
    const td = input.closest("td");
    showSaved(input, input.dataset.saved);
    input.value = value;
    td.classList.add("refused");
    const id = `e${input.dataset.student}-${input.dataset.key.replace(/:/g, "-")}`;
    const span = document.createElement("span");
    span.className = "state bad"; span.id = id; span.title = message; span.textContent = message; span.dataset.code = code;
    const back = document.createElement("button");
    back.type = "button"; back.className = "restore link"; back.textContent = `↺ ${input.dataset.saved || "∅"}`;
    input.setAttribute("aria-invalid", "true"); input.setAttribute("aria-describedby", id);
    td.append(span, back);
  }
  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (_e) { return ""; }
  }
  async function sendBatch(body) {
    const response = await fetch(grid.dataset.batchUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()}, body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.message || grid.dataset.msgFailed);
    return answer;
  }
  function apply(answer) {
    answer.saved.forEach((one) => {
      const [student, ...rest] = one.key.split(":");
      const input = cellInput(student, rest.join(":")); if (input) showSaved(input, String(one.value));
    });
    const refusedNames = [];
    answer.refused.forEach((one) => {
      const [student, ...rest] = one.key.split(":");
      const input = cellInput(student, rest.join(":"));
      if (input) { showRefused(input, one.value, one.message, one.code); refusedNames.push(`${input.getAttribute("aria-label")}: ${one.message}`); }
      else refusedNames.push(one.message);
    });
    recount();
    return refusedNames;
  }
  function report(text, names) {
    say(text);
    const list = document.getElementById("paste-report");
    if (!list) return;
    list.replaceChildren(...names.slice(0, 30).map((name) => { const li = document.createElement("li"); li.textContent = name; return li; }));
    list.hidden = names.length === 0;
  }

  grid.addEventListener("paste", async (event) => {
    const input = event.target.closest("input.cell-input"); if (!input) return;
    const text = (event.clipboardData || window.clipboardData).getData("text");
    if (!/[\t\r\n]/.test(text.replace(/[\r\n]+$/, ""))) return; // one value: the browser pastes it
    event.preventDefault();
    const tr = input.closest("tr");
    const rows = Array.from(grid.querySelectorAll("tbody tr"));
    const students = rows.slice(rows.indexOf(tr)).map((row) => row.dataset.student);
    const tds = Array.from(tr.children).slice(2);
    const headers = Array.from(grid.querySelectorAll("thead th[data-key]"));
    const columns = headers.slice(tds.indexOf(input.closest("td"))).map((th) => th.dataset.key);
    try {
      const answer = await sendBatch({text, students, columns});
      const refused = apply(answer);
      setUndo(answer.saved.filter((one) => String(one.before) !== String(one.value)).map((one) => {
        const [student, ...rest] = one.key.split(":"); return {student, key: rest.join(":"), value: String(one.before)};
      }));
      let text2 = format(grid.dataset.msgPasted, {saved: answer.saved.length, refused: answer.refused.length});
      if (answer.outside) text2 += " " + format(grid.dataset.msgOutside, {n: answer.outside});
      report(text2, refused);
    } catch (error) { say(error.message || grid.dataset.msgFailed); }
  });

  async function undo() {
    if (!lastChange) return;
    const change = lastChange;
    const writes = change.map((one) => { const [kind, code, field] = one.key.split(":"); return {student: one.student, kind, code, field, value: one.value}; });
    try {
      const answer = await sendBatch({writes});
      const refused = apply(answer);
      setUndo(null);
      report(format(grid.dataset.msgUndone, {n: answer.saved.length}), refused);
    } catch (error) { say(error.message || grid.dataset.msgFailed); }
  }
  if (undoButton) undoButton.addEventListener("click", undo);

  // The section picker opens its choice at once (the button stays for keyboards without scripts).
  const picker = document.getElementById("id_section");
  if (picker) picker.addEventListener("change", () => picker.form.submit());
})();
