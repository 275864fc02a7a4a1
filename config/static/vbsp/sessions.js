"use strict";
// The collection sheet 13/TD grid (form[data-sheet]): running totals of each column and the
// cash the leader must hand over (interest + principal + deposits − withdrawals; principal
// paid from savings moves no cash). Amounts are whole đồng typed as 1234567 or 1.234.567.
(() => {
  const parse = (text) => {
    const digits = String(text || "").replace(/[.,\s\u00a0₫đ]/g, "");
    return /^\d+$/.test(digits) ? Number(digits) : 0;
  };
  const show = (number) => number.toLocaleString("vi-VN");
  const update = (form) => {
    const totals = {};
    form.querySelectorAll("[data-sheet-column]").forEach((cell) => {
      const column = cell.dataset.sheetColumn;
      const input = cell.querySelector("input");
      totals[column] = (totals[column] || 0) + (input ? parse(input.value) : 0);
    });
    totals.cash = (totals.interest || 0) + (totals.principal || 0) + (totals.deposit || 0)
      - (totals.withdrawal || 0);
    form.querySelectorAll("[data-sheet-total]").forEach((cell) => {
      cell.textContent = show(totals[cell.dataset.sheetTotal] || 0);
    });
  };
  document.addEventListener("input", (event) => {
    const form = event.target.closest("form[data-sheet]");
    if (form) {
      update(form);
    }
  });
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-sheet]").forEach(update);
  });
})();
