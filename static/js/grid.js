// Entry grid: move with arrows and Enter, fill a column, keep the count of empty cells.
(function () {
  const grid = document.getElementById("grid");
  if (!grid) return;
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
  grid.addEventListener("keydown", (event) => {
    const input = event.target.closest("input.cell-input"); if (!input) return;
    const [r, c, rows] = position(input);
    const atStart = input.selectionStart === 0 && input.selectionEnd === 0;
    const atEnd = input.selectionStart === input.value.length;
    if (event.key === "Enter" || event.key === "ArrowDown") { event.preventDefault(); input.dispatchEvent(new Event("change", {bubbles: true})); focusAt(rows, r + 1, c); }
    else if (event.key === "ArrowUp") { event.preventDefault(); input.dispatchEvent(new Event("change", {bubbles: true})); focusAt(rows, r - 1, c); }
    else if (event.key === "ArrowRight" && (atEnd || input.dataset.field !== "comment")) { event.preventDefault(); focusAt(rows, r, c + 1); }
    else if (event.key === "ArrowLeft" && (atStart || input.dataset.field !== "comment")) { event.preventDefault(); focusAt(rows, r, c - 1); }
  });
  // Normalise rating letters as typed: t→T, h→H, c→C, d→Đ.
  grid.addEventListener("input", (event) => {
    const input = event.target.closest("input.cell-input.rating"); if (!input) return;
    const map = {t: "T", h: "H", c: "C", d: "Đ", "đ": "Đ"};
    const v = input.value.trim(); if (v.length === 1 && map[v.toLowerCase()]) input.value = map[v.toLowerCase()];
  });
  function recount() {
    const count = Array.from(grid.querySelectorAll("input.cell-input")).filter((i) => i.value.trim() === "").length;
    const label = document.querySelector("#empty-count b");
    if (label) label.textContent = String(count);
  }
  document.body.addEventListener("htmx:afterSwap", recount);
  grid.addEventListener("click", (event) => {
    const button = event.target.closest("button.fill"); if (!button) return;
    const value = window.prompt(grid.dataset.fillPrompt); if (value === null || value.trim() === "") return;
    const col = Number(button.dataset.col);
    grid.querySelectorAll("tbody tr").forEach((tr) => {
      const cell = tr.querySelectorAll("td.cell, td.readonly")[col];
      const input = cell && cell.querySelector("input.cell-input");
      if (input && input.value.trim() === "") { input.value = value.trim(); input.dispatchEvent(new Event("change", {bubbles: true})); }
    });
  });
})();
