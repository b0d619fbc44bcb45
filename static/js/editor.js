// Section editor: progressive enhancement over plain forms. Everything works without it.
(() => {
  "use strict";

  // Refused saves (400 invalid, 409 stale or conflict) come back as the form with the
  // person's input and the messages: show them instead of dropping the response.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if (status === 400 || status === 409 || status === 403) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // After one's own save, the workflow panel's forms (submit, …) take the section's new
  // version, so that submitting straight after saving is not refused as stale.
  document.addEventListener("htmx:afterRequest", (event) => {
    const version = event.detail.xhr && event.detail.xhr.getResponseHeader("X-Section-Version");
    if (!version) return;
    for (const input of document.querySelectorAll(".workflow-panel input[name=version]")) {
      input.value = version;
    }
  });

  // After a swap, put the keyboard focus where the person's next action is: the moved
  // item's button, the new heading, or a block's status message.
  document.addEventListener("htmx:afterSettle", (event) => {
    const root = event.detail.elt;
    if (!root || !root.querySelectorAll) return;
    const holders = [root, ...root.querySelectorAll("[data-focus]")];
    for (const holder of holders) {
      const id = holder.dataset && holder.dataset.focus;
      if (!id) continue;
      const target = document.getElementById(id);
      if (target) {
        target.focus({ preventScroll: false });
        return;
      }
    }
  });

  // Paste a block of cells copied from Excel straight into a grid cell: the cells are
  // spread from that cell on, rows are added as needed (server-side, not yet saved).
  document.addEventListener("paste", (event) => {
    const cell = event.target;
    if (!(cell instanceof HTMLElement) || cell.dataset.row === undefined) return;
    const text = (event.clipboardData || window.clipboardData).getData("text");
    if (!text || (!text.includes("\t") && !text.includes("\n"))) return;
    const form = cell.closest("form");
    const area = form && form.querySelector(".paste-area");
    const button = form && form.querySelector(".paste-button");
    if (!area || !button) return;
    event.preventDefault();
    area.value = text;
    const row = form.querySelector("[name=paste_row]");
    const col = form.querySelector("[name=paste_col]");
    if (row) row.value = String(Number(cell.dataset.row) + 1);
    if (col) col.value = String(Number(cell.dataset.col) + 1);
    // A click, not form.requestSubmit(button): htmx takes the submitter (op=paste) from the
    // last clicked button, and requestSubmit's submitter never reaches it — the form was sent
    // as a plain save and the paste was lost.
    button.click();
  });

  // Arrow keys move between rows of a grid, as in a spreadsheet.
  document.addEventListener("keydown", (event) => {
    const cell = event.target;
    if (!(cell instanceof HTMLInputElement) || cell.dataset.row === undefined) return;
    if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const row = Number(cell.dataset.row) + (event.key === "ArrowUp" ? -1 : 1);
    const next = cell.closest("table").querySelector(
      `[data-row="${row}"][data-col="${cell.dataset.col}"]`
    );
    if (next) {
      event.preventDefault();
      next.focus();
      if (next.select) next.select();
    }
  });

  // Warn before leaving a page with typed but unsaved changes.
  const dirty = new Set();
  document.addEventListener("input", (event) => {
    const form = event.target.closest && event.target.closest("form.block-form, form.heading-form");
    if (form) dirty.add(form);
  });
  document.addEventListener("submit", (event) => dirty.delete(event.target));
  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = event.detail.elt.closest && event.detail.elt.closest("form");
    if (form) dirty.delete(form);
  });
  window.addEventListener("beforeunload", (event) => {
    for (const form of dirty) {
      if (document.body.contains(form)) {
        event.preventDefault();
        event.returnValue = "";
        return;
      }
    }
  });
})();

// Keep the preview beside what is being edited: when focus enters an item, scroll the
// preview panel to that item as printed.
(() => {
  "use strict";
  let current = "";
  document.addEventListener("focusin", (event) => {
    const item = event.target.closest && event.target.closest(".ed-item[data-uid]");
    const panel = document.querySelector(".editor-preview");
    if (!item || !panel || item.dataset.uid === current) return;
    current = item.dataset.uid;
    const target = document.getElementById(`item-${current}`);
    if (target && panel.contains(target)) {
      const offset = target.getBoundingClientRect().top - panel.getBoundingClientRect().top;
      panel.scrollTo({ top: panel.scrollTop + offset - 48, behavior: "smooth" });
    }
  });
})();

// A reviewer's open comment pinned to a block or a cell: when that block's form is open, mark
// the cell (or the row, or the block) and tie it to the comment for screen readers.
(() => {
  "use strict";
  const mark = () => {
    for (const comment of document.querySelectorAll(".review-comment[data-block-uid]")) {
      const block = document.querySelector(`.ed-block[data-uid="${comment.dataset.blockUid}"]`);
      if (!block) continue;
      block.classList.add("ed-block--commented");
      const row = comment.dataset.rowPin ? Number(comment.dataset.rowPin) - 1 : null;
      if (row === null) continue;
      let col = null;
      if (comment.dataset.column) {
        for (const input of block.querySelectorAll("input[name$='-key'][name^='col-']")) {
          if (input.value === comment.dataset.column) col = input.name.split("-")[1];
        }
      }
      const selector = col === null ? `[data-row="${row}"]` : `[data-row="${row}"][data-col="${col}"]`;
      for (const cell of block.querySelectorAll(selector)) {
        cell.classList.add("cell--pinned");
        const described = (cell.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        if (!described.includes(comment.id)) described.push(comment.id);
        cell.setAttribute("aria-describedby", described.join(" "));
      }
    }
  };
  document.addEventListener("DOMContentLoaded", mark);
  document.addEventListener("htmx:afterSettle", mark);
})();
