// Finance grids: paste a range copied from Excel into any cell and it spreads right and down,
// as in a spreadsheet. Progressive enhancement only: without it, the paste box below the grid
// takes the same text.
(() => {
  const status = () => document.getElementById("finance-grid-status");

  const inputOf = (cell) => (cell ? cell.querySelector("input") : null);

  document.addEventListener("paste", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.closest(".finance-grid")) return;
    const text = event.clipboardData ? event.clipboardData.getData("text/plain") : "";
    if (!text || (!text.includes("\t") && !text.includes("\n"))) return;
    event.preventDefault();
    const rows = text.replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n").map((r) => r.split("\t"));
    const td = input.closest("td");
    const tr = td.closest("tr");
    const bodyRows = Array.from(tr.closest("tbody").rows).filter((r) => !r.classList.contains("total"));
    const start = bodyRows.indexOf(tr);
    const first = Array.from(tr.cells).indexOf(td);
    let missing = 0;
    rows.forEach((values, r) => {
      const row = bodyRows[start + r];
      if (!row) {
        missing += 1;
        return;
      }
      const cells = Array.from(row.cells).slice(first);
      const inputs = cells.filter((cell) => inputOf(cell));
      // The printed layout includes the computed columns: then the values map one to one onto
      // every column and those landing on a computed column are left to the computation.
      const targets = values.length === cells.length && values.length !== inputs.length ? cells : inputs;
      values.forEach((value, c) => {
        const target = inputOf(targets[c]);
        if (target) target.value = value.trim();
      });
    });
    const message = status();
    if (message) {
      message.textContent = missing
        ? `${missing}行が入りきりませんでした。「空の行を増やす」を使うか、下の貼り付け欄から取り込んでください。`
        : `${rows.length}行を貼り付けました。`;
    }
    input.form.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
